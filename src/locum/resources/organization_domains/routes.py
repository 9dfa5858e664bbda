from locum.api.routing import resource_router

router = resource_router()
