from locum.resources.messages_admin.routes import router

__all__ = ["router"]
