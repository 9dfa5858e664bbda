"""Clerk's Webhooks operations (the Svix app of the instance and its dashboard URL)."""

from starlette.responses import Response

from locum.api.deps import AppSealer, Context, DbReadSession, DbSession
from locum.api.responses import JSON_MEDIA_TYPE, ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.svix import service

router = resource_router(tags=["Webhooks"])


@router.post("/webhooks/svix", operation_id="CreateSvixApp")
async def create_svix_app(ctx: Context, session: DbSession, sealer: AppSealer) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_svix_app(session, ctx, sealer=sealer))


@router.delete("/webhooks/svix", operation_id="DeleteSvixApp")
async def delete_svix_app(ctx: Context, session: DbSession) -> Response:
    await service.delete_svix_app(session, ctx)
    # No body (the SDK accepts any Content-Type on this 204); the header matches the API's other answers.
    return Response(status_code=204, media_type=JSON_MEDIA_TYPE)


@router.post("/webhooks/svix_url", operation_id="GenerateSvixAuthURL")
async def generate_svix_auth_url(ctx: Context, session: DbReadSession, sealer: AppSealer) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.generate_svix_auth_url(session, ctx, sealer=sealer))
