"""Clerk's Testing Tokens operation."""

from locum.api.routing import resource_router

router = resource_router(tags=["Testing Tokens"])
