from locum.resources.webhook_replay.routes import router

__all__ = ["router"]
