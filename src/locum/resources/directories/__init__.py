from locum.resources.directories.routes import directories_router, scim_directories_router

routers = (scim_directories_router, directories_router)

__all__ = ["routers"]
