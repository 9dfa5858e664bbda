"""Clerk's Actor Tokens operations (impersonation)."""

from locum.api.routing import resource_router

router = resource_router(tags=["Actor Tokens"])
