"""Clerk's Sign-in Tokens operations."""

from locum.api.routing import resource_router

router = resource_router(tags=["Sign-in Tokens"])
