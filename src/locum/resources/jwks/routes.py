"""Clerk's JWKS operation: the instance's public signing keys."""

from locum.api.deps import Context
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router

router = resource_router(tags=["JWKS"])


@router.get("/jwks", operation_id="GetJWKS")
async def get_jwks(ctx: Context) -> ClerkJSONResponse:
    return ClerkJSONResponse(ctx.instance.jwks_document)
