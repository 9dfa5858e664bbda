"""Clerk's JWT Templates operations, and minting a token from a template."""

from locum.api.routing import resource_router

router = resource_router(tags=["JWT Templates"])
