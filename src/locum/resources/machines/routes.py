"""Clerk's Machines operations: machines, their secret keys and the scopes between them."""

from locum.api.routing import resource_router

router = resource_router(tags=["Machines"])
