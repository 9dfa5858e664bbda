from locum.resources.actor_tokens.routes import router

__all__ = ["router"]
