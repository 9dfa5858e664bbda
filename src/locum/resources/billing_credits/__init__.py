from locum.resources.billing_credits.routes import router

__all__ = ["router"]
