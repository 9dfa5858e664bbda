from locum.resources.saml_connections.routes import router

__all__ = ["router"]
