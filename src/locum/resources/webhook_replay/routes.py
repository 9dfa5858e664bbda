"""locum's own replay endpoints, mounted at /locum with secret-key auth."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.webhook_replay import service
from locum.resources.webhook_replay.schemas import ReplayMessageBody, ReplaySinceBody

router = resource_router(tags=["locum"])


@router.post("/webhooks/messages/{event_id}/replay")
async def replay_webhook_message(
    event_id: str,
    body: Annotated[ReplayMessageBody, body_of(ReplayMessageBody)],
    ctx: Context,
    session: DbSession,
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.replay_message(session, ctx, event_id=event_id, body=body))


@router.post("/webhooks/replay")
async def replay_webhook_messages_since(
    body: Annotated[ReplaySinceBody, body_of(ReplaySinceBody)], ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.replay_since(session, ctx, body=body))
