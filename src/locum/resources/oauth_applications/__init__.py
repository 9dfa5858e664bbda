from locum.resources.oauth_applications.routes import access_tokens_router, locum_router, router

__all__ = ["access_tokens_router", "locum_router", "router"]
