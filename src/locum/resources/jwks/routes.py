from locum.api.deps import CurrentInstance
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router

router = resource_router(tags=["JWKS"])


@router.get("/jwks", operation_id="GetJWKS")
async def get_jwks(instance: CurrentInstance) -> ClerkJSONResponse:
    return ClerkJSONResponse(instance.jwks_document)
