"""Clerk's Agent Tasks operations."""

from locum.api.routing import resource_router

router = resource_router(tags=["Agent Tasks"])
