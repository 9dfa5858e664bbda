from locum.resources.templates.routes import router

__all__ = ["router"]
