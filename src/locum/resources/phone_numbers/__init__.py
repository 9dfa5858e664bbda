from locum.resources.phone_numbers.routes import router

__all__ = ["router"]
