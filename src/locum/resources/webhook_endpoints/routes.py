"""locum's webhook endpoint and message API (/locum/webhooks/…, secret-key auth) and the dashboard page.

The dashboard is the one public route here: browsers open it from the URL the Svix operations
return, without a secret key, so it checks its own `key` (see dashboard_access).
"""

from typing import Annotated

from starlette.responses import HTMLResponse

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReadSession, DbSession
from locum.api.pagination import PageParams
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.webhook_endpoints import service
from locum.resources.webhook_endpoints.schemas import (
    CreateWebhookEndpointBody,
    RotateWebhookEndpointSecretBody,
    UpdateWebhookEndpointBody,
    WebhookMessageListParams,
)

router = resource_router(tags=["locum"])

MessageListParams = Annotated[WebhookMessageListParams, query_model(WebhookMessageListParams)]

# The page shows signing secrets and is opened from a link carrying a capability: keep it out of
# caches and of Referer headers, and let it run nothing but its own inline CSS.
DASHBOARD_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    "x-frame-options": "DENY",
}


@router.post("/webhooks/endpoints")
async def create_webhook_endpoint(
    body: Annotated[CreateWebhookEndpointBody, body_of(CreateWebhookEndpointBody)],
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
) -> ClerkJSONResponse:
    endpoint = await service.create_endpoint(
        session,
        ctx,
        sealer=sealer,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        secret=body.secret,
        source="api",
    )
    return ClerkJSONResponse(endpoint)


@router.get("/webhooks/endpoints")
async def list_webhook_endpoints(
    ctx: Context, session: DbReadSession, sealer: AppSealer, page: PageParams
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_endpoints(session, ctx, sealer=sealer, page=page))


@router.get("/webhooks/endpoints/{endpoint_id}")
async def get_webhook_endpoint(
    endpoint_id: str, ctx: Context, session: DbReadSession, sealer: AppSealer
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_endpoint(session, ctx, sealer=sealer, endpoint_id=endpoint_id))


@router.patch("/webhooks/endpoints/{endpoint_id}")
async def update_webhook_endpoint(
    endpoint_id: str,
    body: Annotated[UpdateWebhookEndpointBody, body_of(UpdateWebhookEndpointBody)],
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
) -> ClerkJSONResponse:
    endpoint = await service.update_endpoint(session, ctx, sealer=sealer, endpoint_id=endpoint_id, body=body)
    return ClerkJSONResponse(endpoint)


@router.delete("/webhooks/endpoints/{endpoint_id}")
async def delete_webhook_endpoint(endpoint_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_endpoint(session, ctx, endpoint_id=endpoint_id))


@router.post("/webhooks/endpoints/{endpoint_id}/rotate_secret")
async def rotate_webhook_endpoint_secret(
    endpoint_id: str,
    body: Annotated[RotateWebhookEndpointSecretBody, body_of(RotateWebhookEndpointSecretBody)],
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
) -> ClerkJSONResponse:
    endpoint = await service.rotate_endpoint_secret(
        session, ctx, sealer=sealer, endpoint_id=endpoint_id, secret=body.secret
    )
    return ClerkJSONResponse(endpoint)


@router.get("/webhooks/messages")
async def list_webhook_messages(ctx: Context, session: DbReadSession, query: MessageListParams) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_messages(session, ctx, query=query))


@router.get("/webhooks/dashboard")
async def get_webhook_dashboard(session: DbReadSession, sealer: AppSealer, key: str = "") -> HTMLResponse:
    return HTMLResponse(await service.dashboard_page(session, sealer=sealer, key=key), headers=DASHBOARD_HEADERS)
