from locum.resources.jwt_templates.routes import router

__all__ = ["router"]
