from locum.resources.agent_tasks.routes import router

__all__ = ["router"]
