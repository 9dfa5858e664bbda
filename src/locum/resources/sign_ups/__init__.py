from locum.resources.sign_ups.routes import locum_router, router

__all__ = ["locum_router", "router"]
