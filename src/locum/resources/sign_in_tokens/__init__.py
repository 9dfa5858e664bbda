from locum.resources.sign_in_tokens.routes import router

__all__ = ["router"]
