from locum.resources.jwks.routes import router

__all__ = ["router"]
