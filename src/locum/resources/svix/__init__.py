from locum.resources.svix.routes import router

__all__ = ["router"]
