from locum.resources.testing_tokens.routes import router

__all__ = ["router"]
