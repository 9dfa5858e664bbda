from locum.resources.admin_portal_links.routes import router

__all__ = ["router"]
