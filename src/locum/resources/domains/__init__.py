from locum.resources.domains.routes import router

__all__ = ["router"]
