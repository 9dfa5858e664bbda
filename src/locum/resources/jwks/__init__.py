from locum.resources.jwks.routes import public_router, router

__all__ = ["public_router", "router"]
