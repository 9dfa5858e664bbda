from locum.resources.locum_instances.routes import router

__all__ = ["router"]
