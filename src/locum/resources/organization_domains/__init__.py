from locum.resources.organization_domains.routes import router

__all__ = ["router"]
