"""Users routes, split by concern; each module holds one function per Clerk operation."""

from locum.api.routing import resource_router

from locum.resources.users.routes import core

router = resource_router(tags=["Users"])
router.include_router(core.router)
