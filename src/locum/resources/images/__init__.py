from locum.resources.images.routes import router

__all__ = ["router"]
