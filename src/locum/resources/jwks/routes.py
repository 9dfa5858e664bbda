"""Clerk's JWKS operation: the instance's public signing keys; and the public copy Clerk's Frontend
API serves at /.well-known/jwks.json, which needs no key (what PyJWT's PyJWKClient, jose and other
OIDC-minded libraries fetch to verify session tokens)."""

from fastapi import Request

from locum.api.deps import Context
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.instances.registry import InstanceRegistry
from locum.resources.jwks.errors import no_instance_for_host

router = resource_router(tags=["JWKS"])
public_router = resource_router(tags=["JWKS"])


@router.get("/jwks", operation_id="GetJWKS")
async def get_jwks(ctx: Context) -> ClerkJSONResponse:
    return ClerkJSONResponse(ctx.instance.jwks_document)


@public_router.get("/.well-known/jwks.json")
async def get_public_jwks(request: Request) -> ClerkJSONResponse:
    """The keys of the instance whose Frontend API host the request names (Host, port aside), else
    of the default instance."""
    registry: InstanceRegistry = request.app.state.registry
    instance = await registry.resolve_frontend_host(request.url.hostname or "")
    if instance is None:
        raise no_instance_for_host()
    return ClerkJSONResponse(instance.jwks_document)
