from locum.resources.frontend.routes import router

__all__ = ["router"]
