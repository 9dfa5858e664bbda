"""locum's webhook endpoint and message API (/locum/webhooks/…, secret-key auth) and the dashboard page.

The dashboard is the one public route here: browsers open it from the URL the Svix operations
return, without a secret key, so it checks its own `key` (see dashboard_access).
"""

from typing import Annotated

from fastapi import Depends
from starlette.responses import HTMLResponse

from locum.api.bodies import request_body
from locum.api.deps import AppSealer, CurrentInstance, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.webhook_endpoints import service
from locum.resources.webhook_endpoints.dashboard import DASHBOARD_MESSAGE_LIMIT, render_dashboard
from locum.resources.webhook_endpoints.dashboard_access import dashboard_instance_or_raise
from locum.resources.webhook_endpoints.schemas import (
    CreateWebhookEndpointBody,
    RotateWebhookEndpointSecretBody,
    UpdateWebhookEndpointBody,
    WebhookEndpointListParams,
    WebhookMessageListParams,
)

router = resource_router(tags=["locum"])

CreateBody = Annotated[CreateWebhookEndpointBody, Depends(request_body(CreateWebhookEndpointBody, invalid_status=422))]
UpdateBody = Annotated[UpdateWebhookEndpointBody, Depends(request_body(UpdateWebhookEndpointBody, invalid_status=422))]
RotateBody = Annotated[
    RotateWebhookEndpointSecretBody, Depends(request_body(RotateWebhookEndpointSecretBody, invalid_status=422))
]
EndpointListParams = Annotated[WebhookEndpointListParams, query_model(WebhookEndpointListParams)]
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
    body: CreateBody, instance: CurrentInstance, db: DbSession, sealer: AppSealer
) -> ClerkJSONResponse:
    endpoint = await service.create_endpoint(
        db,
        sealer,
        instance_id=instance.id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        secret=body.secret,
        source="api",
    )
    return ClerkJSONResponse(endpoint)


@router.get("/webhooks/endpoints")
async def list_webhook_endpoints(
    instance: CurrentInstance, db: DbReadSession, sealer: AppSealer, params: EndpointListParams
) -> ClerkJSONResponse:
    endpoints, total_count = await service.list_endpoints(
        db, sealer, instance_id=instance.id, limit=params.limit, offset=params.offset
    )
    return ClerkJSONResponse({"data": endpoints, "total_count": total_count})


@router.get("/webhooks/endpoints/{endpoint_id}")
async def get_webhook_endpoint(
    endpoint_id: str, instance: CurrentInstance, db: DbReadSession, sealer: AppSealer
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_endpoint(db, sealer, instance_id=instance.id, endpoint_id=endpoint_id))


@router.patch("/webhooks/endpoints/{endpoint_id}")
async def update_webhook_endpoint(
    endpoint_id: str, body: UpdateBody, instance: CurrentInstance, db: DbSession, sealer: AppSealer
) -> ClerkJSONResponse:
    endpoint = await service.update_endpoint(db, sealer, instance_id=instance.id, endpoint_id=endpoint_id, body=body)
    return ClerkJSONResponse(endpoint)


@router.delete("/webhooks/endpoints/{endpoint_id}")
async def delete_webhook_endpoint(endpoint_id: str, instance: CurrentInstance, db: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_endpoint(db, instance_id=instance.id, endpoint_id=endpoint_id))


@router.post("/webhooks/endpoints/{endpoint_id}/rotate_secret")
async def rotate_webhook_endpoint_secret(
    endpoint_id: str, body: RotateBody, instance: CurrentInstance, db: DbSession, sealer: AppSealer
) -> ClerkJSONResponse:
    endpoint = await service.rotate_endpoint_secret(
        db, sealer, instance_id=instance.id, endpoint_id=endpoint_id, secret=body.secret
    )
    return ClerkJSONResponse(endpoint)


@router.get("/webhooks/messages")
async def list_webhook_messages(
    instance: CurrentInstance, db: DbReadSession, params: MessageListParams
) -> ClerkJSONResponse:
    messages, total_count = await service.list_messages(
        db,
        instance_id=instance.id,
        endpoint_id=params.endpoint_id,
        event_type=params.event_type,
        limit=params.limit,
        offset=params.offset,
    )
    return ClerkJSONResponse({"data": messages, "total_count": total_count})


@router.get("/webhooks/dashboard")
async def get_webhook_dashboard(db: DbReadSession, sealer: AppSealer, key: str = "") -> HTMLResponse:
    instance_id = await dashboard_instance_or_raise(db, sealer, key)
    endpoints, _ = await service.list_endpoints(db, sealer, instance_id=instance_id)
    messages, total = await service.list_messages(db, instance_id=instance_id, limit=DASHBOARD_MESSAGE_LIMIT)
    page = render_dashboard(instance_id=instance_id, endpoints=endpoints, messages=messages, total=total)
    return HTMLResponse(page, headers=DASHBOARD_HEADERS)
