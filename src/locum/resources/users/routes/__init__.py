"""Users routes, split by concern; each module holds one function per Clerk operation."""

from locum.api.routing import resource_router

from locum.resources.users.routes import accounts, core, metadata, profile_image, security

router = resource_router(tags=["Users"])
router.include_router(core.router)
router.include_router(metadata.router)
router.include_router(security.router)
router.include_router(accounts.router)
router.include_router(profile_image.router)
