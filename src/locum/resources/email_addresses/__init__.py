from locum.resources.email_addresses.routes import router

__all__ = ["router"]
