"""Clerk's M2M Tokens operations (also served without /v1, where Clerk's SDKs call them)."""

from locum.api.routing import resource_router

router = resource_router(tags=["M2M Tokens"])
