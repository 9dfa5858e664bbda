from locum.resources.role_sets.routes import router

__all__ = ["router"]
