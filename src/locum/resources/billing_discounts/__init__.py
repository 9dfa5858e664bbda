from locum.resources.billing_discounts.routes import locum_router, router

__all__ = ["locum_router", "router"]
