from locum.resources.api_keys.routes import router

__all__ = ["router"]
