from locum.resources.machines.routes import router

__all__ = ["router"]
