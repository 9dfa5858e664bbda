from locum.resources.webhook_endpoints.routes import router

__all__ = ["router"]
