"""Bearer secret key -> instance. Every /v1 and /locum route depends on this."""

from fastapi import Request

from locum.api.errors import authorization_header_format_invalid, clerk_key_invalid
from locum.instances.registry import InstanceContext, InstanceRegistry

BEARER_PREFIX = "bearer "


async def current_instance(request: Request) -> InstanceContext:
    header = request.headers.get("authorization", "")
    if header[: len(BEARER_PREFIX)].lower() != BEARER_PREFIX or not header[len(BEARER_PREFIX) :].strip():
        raise authorization_header_format_invalid()
    registry: InstanceRegistry = request.app.state.registry
    instance = await registry.resolve(header[len(BEARER_PREFIX) :].strip())
    if instance is None:
        raise clerk_key_invalid()
    return instance
