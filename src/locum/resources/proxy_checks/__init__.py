from locum.resources.proxy_checks.routes import router

__all__ = ["router"]
