from locum.resources.instance_settings.routes import router

__all__ = ["router"]
