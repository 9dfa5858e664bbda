from locum.resources.users.routes import routers

__all__ = ["routers"]
