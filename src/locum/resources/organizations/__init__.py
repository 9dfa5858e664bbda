from locum.resources.organizations.routes import router

__all__ = ["router"]
