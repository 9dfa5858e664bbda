from locum.resources.organization_invitations.routes import router

__all__ = ["router"]
