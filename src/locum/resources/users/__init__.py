from locum.resources.users.routes import router

__all__ = ["router"]
