from locum.resources.locum_reset.routes import router

__all__ = ["router"]
