from locum.resources.sessions.routes import router

__all__ = ["router"]
