from locum.resources.invitations.routes import router

__all__ = ["router"]
