from locum.api.routing import resource_router

from locum.api.deps import CurrentInstance
from locum.api.responses import ClerkJSONResponse

router = resource_router(tags=["JWKS"])


@router.get("/jwks", operation_id="GetJWKS")
async def get_jwks(instance: CurrentInstance) -> ClerkJSONResponse:
    return ClerkJSONResponse(instance.jwks_document)
