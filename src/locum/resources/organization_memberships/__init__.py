from locum.resources.organization_memberships.routes import router

__all__ = ["router"]
