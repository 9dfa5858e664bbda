"""locum's own replay endpoints, mounted at /locum with secret-key auth.

Both answer {"object": "locum_replay", "queued": n}: the deliveries queued for the worker.
"""

from locum.api.deps import CurrentInstance, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.outbox import replay
from locum.resources.webhook_replay.schemas import ReplayMessageBody, ReplaySinceBody

router = resource_router(tags=["locum"])


def _queued(count: int) -> ClerkJSONResponse:
    return ClerkJSONResponse({"object": "locum_replay", "queued": count})


@router.post("/webhooks/messages/{event_id}/replay")
async def replay_webhook_message(
    event_id: str, instance: CurrentInstance, session: DbSession, body: ReplayMessageBody | None = None
) -> ClerkJSONResponse:
    endpoint_id = body.endpoint_id if body is not None else None
    queued = await replay.replay_event(session, instance_id=instance.id, event_id=event_id, endpoint_id=endpoint_id)
    return _queued(queued)


@router.post("/webhooks/replay")
async def replay_webhook_messages_since(
    body: ReplaySinceBody, instance: CurrentInstance, session: DbSession
) -> ClerkJSONResponse:
    queued = await replay.replay_since(session, instance_id=instance.id, since=body.since, endpoint_id=body.endpoint_id)
    return _queued(queued)
