from locum.resources.locum_admin.routes import router

__all__ = ["router"]
