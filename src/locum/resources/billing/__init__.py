from locum.resources.billing.routes import locum_router, router

__all__ = ["locum_router", "router"]
