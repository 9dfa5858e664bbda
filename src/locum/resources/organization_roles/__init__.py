from locum.resources.organization_roles.routes import router

__all__ = ["router"]
