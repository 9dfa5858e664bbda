"""Manual replay: a message (one event) again, or Svix's "recover failed messages since".

Replaying re-queues deliveries in the caller's transaction: existing ones start a new attempt cycle
(pending, attempt count 0, due now, the retry schedule from its start) and endpoints that never had
the event get a delivery. Only enabled endpoints whose filter wants the event are replayed to; an
endpoint disabled for failing has to be enabled again first, as in Svix. The svix-id stays the
event's, so receivers can tell a replay from a new message. A replayed event that had failed for
every endpoint (it could not be rendered or fanned out) loses its error: the worker records it
again if the event still fails.

Both operations answer {"object": "locum_replay", "queued": n}: the deliveries queued for the worker.
"""

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.outbox.dispatch import read_event_types, wants
from locum.outbox.events import mark_outbox_work
from locum.resources.webhook_endpoints.repository import WebhookEndpointRepository, WebhookMessageRepository
from locum.resources.webhook_replay.errors import endpoint_disabled
from locum.resources.webhook_replay.repository import Endpoint, WebhookDeliveryRepository
from locum.resources.webhook_replay.schemas import ReplayMessageBody, ReplaySinceBody


async def _endpoints(endpoints: WebhookEndpointRepository, *, endpoint_id: str | None) -> list[Endpoint]:
    """(id, event_types) of the enabled endpoints to replay to: all of them, or the one asked for.
    An endpoint whose stored event types cannot be read is left out (it gets no events)."""
    rows = await endpoints.filters(endpoint_id=endpoint_id)
    if endpoint_id is not None:
        if not rows:
            raise endpoints.not_found(endpoint_id)
        if not rows[0].enabled:
            raise endpoint_disabled()
    readable = [(row.id, read_event_types(row.event_types)) for row in rows]
    return [(endpoint_id, event_types) for endpoint_id, event_types in readable if event_types is not None]


async def _requeue(
    session: AsyncSession,
    ctx: RequestContext,
    events: Select[str, str],
    endpoints: list[Endpoint],
    *,
    failed_only: bool,
) -> JSON:
    """Restart the deliveries of the `events` (id, type) to the `endpoints` (only the failed ones, if
    `failed_only`) and add those an endpoint never got."""
    if not endpoints:
        return _queued(0)
    at_ms = now_ms()
    deliveries = WebhookDeliveryRepository(session, ctx.instance_id)
    restarted = await deliveries.restart_cycles(
        events, [endpoint_id for endpoint_id, _ in endpoints], failed_only=failed_only, at_ms=at_ms
    )
    added = await deliveries.add_missing(events, endpoints, at_ms=at_ms)
    await WebhookMessageRepository(session, ctx.instance_id).forget_errors(events)
    mark_outbox_work(session)
    return _queued(restarted + added)


def _queued(count: int) -> JSON:
    return {"object": "locum_replay", "queued": count}


async def replay_message(session: AsyncSession, ctx: RequestContext, *, event_id: str, body: ReplayMessageBody) -> JSON:
    """Re-queue one event to every enabled endpoint that wants it (or to the one the body names)."""
    messages = WebhookMessageRepository(session, ctx.instance_id)
    event_type = await messages.type_or_raise(event_id)
    endpoints = [
        endpoint
        for endpoint in await _endpoints(
            WebhookEndpointRepository(session, ctx.instance_id), endpoint_id=body.endpoint_id
        )
        if wants(endpoint[1], event_type)
    ]
    return await _requeue(session, ctx, messages.replayed(event_id=event_id), endpoints, failed_only=False)


async def replay_since(session: AsyncSession, ctx: RequestContext, *, body: ReplaySinceBody) -> JSON:
    """Re-queue the failed deliveries of events created at or after `body.since` (ms), and deliver
    those events to the endpoints that never had them."""
    endpoints = await _endpoints(WebhookEndpointRepository(session, ctx.instance_id), endpoint_id=body.endpoint_id)
    events = WebhookMessageRepository(session, ctx.instance_id).replayed(since=body.since)
    return await _requeue(session, ctx, events, endpoints, failed_only=True)
