"""Clerk's OAuth Applications operations, and OAuth Access Tokens' verify (also served without /v1,
where Clerk's SDKs call it)."""

from locum.api.routing import resource_router

router = resource_router(tags=["OAuth Applications"])
access_tokens_router = resource_router(tags=["OAuth Access Tokens"])
