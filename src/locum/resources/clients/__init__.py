from locum.resources.clients.routes import router

__all__ = ["router"]
