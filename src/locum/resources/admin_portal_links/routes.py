"""Clerk's Admin Portal Link Tokens operations."""

from locum.api.routing import resource_router

router = resource_router(tags=["Admin Portal Link Tokens"])
