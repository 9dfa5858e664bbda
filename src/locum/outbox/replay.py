"""Manual replay: a message (one event) again, or Svix's "recover failed messages since".

Replaying re-queues deliveries in the caller's transaction: existing ones start a new attempt cycle
(pending, attempt count 0, due now, the retry schedule from its start) and endpoints that never had
the event get a delivery. Only enabled endpoints whose filter wants the event are replayed to; an
endpoint disabled for failing has to be enabled again first, as in Svix. The svix-id stays the
event's, so receivers can tell a replay from a new message. A replayed event that had failed for
every endpoint (it could not be rendered or fanned out) loses its error: the worker records it
again if the event still fails.
"""

from typing import Any, cast

from sqlalchemy import CursorResult, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_value_invalid, not_found
from locum.db.models import Event, WebhookDelivery, WebhookEndpoint
from locum.kit.clock import now_ms
from locum.outbox.dispatch import (
    PENDING,
    insert_deliveries_ignoring_existing,
    new_delivery_row,
    read_event_types,
    stored_event_types,
    wants,
)
from locum.outbox.events import mark_outbox_work
from locum.outbox.repository import FAILED, new_version

Endpoint = tuple[str, list[str]]


async def _endpoints(session: AsyncSession, *, instance_id: str, endpoint_id: str | None) -> list[Endpoint]:
    """(id, event_types) of the enabled endpoints to replay to: all of them, or the one asked for.
    An endpoint whose stored event types cannot be read is left out (it gets no events)."""
    query = select(WebhookEndpoint.id, stored_event_types().label("event_types"), WebhookEndpoint.enabled).where(
        WebhookEndpoint.instance_id == instance_id
    )
    if endpoint_id is not None:
        endpoint = (await session.execute(query.where(WebhookEndpoint.id == endpoint_id))).first()
        if endpoint is None:
            raise not_found("webhook endpoint")
        if not endpoint.enabled:
            raise form_param_value_invalid(
                "endpoint_id", "This webhook endpoint is disabled: enable it before replaying messages to it."
            )
        rows = [endpoint]
    else:
        rows = list(await session.execute(query.where(WebhookEndpoint.enabled.is_(True))))
    readable = [(row.id, read_event_types(row.event_types)) for row in rows]
    return [(endpoint_id, event_types) for endpoint_id, event_types in readable if event_types is not None]


def _restart_cycle(at_ms: int) -> dict[str, object]:
    return {"status": PENDING, "attempt_count": 0, "next_attempt_at": at_ms, "updated_at": new_version(at_ms)}


async def _add_missing_deliveries(
    session: AsyncSession, *, instance_id: str, endpoints: list[Endpoint], events: Select[str, str], at_ms: int
) -> int:
    """Deliveries for the `events` (id, type) that an endpoint wants but never got; returns how many."""
    rows = []
    for endpoint_id, event_types in endpoints:
        without_delivery = events.where(
            ~select(WebhookDelivery.id)
            .where(WebhookDelivery.event_id == Event.id, WebhookDelivery.endpoint_id == endpoint_id)
            .exists()
        )
        rows += [
            new_delivery_row(instance_id=instance_id, event_id=event_id, endpoint_id=endpoint_id, at_ms=at_ms)
            for event_id, event_type in await session.execute(without_delivery)
            if wants(event_types, event_type)
        ]
    if rows:
        await session.execute(insert_deliveries_ignoring_existing(session), rows)
    return len(rows)


async def _forget_errors(session: AsyncSession, events: Select[str]) -> None:
    """Clear the error of those `events` (ids) that now have a delivery queued afresh."""
    queued_afresh = select(WebhookDelivery.event_id).where(
        WebhookDelivery.status == PENDING, WebhookDelivery.attempt_count == 0
    )
    await session.execute(
        update(Event)
        .where(Event.id.in_(events), Event.id.in_(queued_afresh), Event.error.is_not(None))
        .values(error=None),
        execution_options={"synchronize_session": False},
    )


async def replay_event(session: AsyncSession, *, instance_id: str, event_id: str, endpoint_id: str | None) -> int:
    """Re-queue one event to every enabled endpoint that wants it (or to one); returns how many."""
    event_type = await session.scalar(select(Event.type).where(Event.instance_id == instance_id, Event.id == event_id))
    if event_type is None:
        raise not_found("webhook message")
    endpoints = [
        endpoint
        for endpoint in await _endpoints(session, instance_id=instance_id, endpoint_id=endpoint_id)
        if wants(endpoint[1], event_type)
    ]
    if not endpoints:
        return 0
    at_ms = now_ms()
    restarted = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.event_id == event_id,
            WebhookDelivery.endpoint_id.in_([endpoint_id for endpoint_id, _ in endpoints]),
        )
        .values(**_restart_cycle(at_ms)),
        execution_options={"synchronize_session": False},
    )
    added = await _add_missing_deliveries(
        session,
        instance_id=instance_id,
        endpoints=endpoints,
        events=select(Event.id, Event.type).where(Event.id == event_id),
        at_ms=at_ms,
    )
    await _forget_errors(session, select(Event.id).where(Event.id == event_id))
    mark_outbox_work(session)
    # An UPDATE's result is a CursorResult, with a rowcount; execute() is typed for any statement.
    return cast(CursorResult[Any], restarted).rowcount + added


async def replay_since(session: AsyncSession, *, instance_id: str, since: int, endpoint_id: str | None) -> int:
    """Re-queue the failed deliveries of events created at or after `since` (ms), and deliver those
    events to the endpoints that never had them; returns how many deliveries were queued."""
    endpoints = await _endpoints(session, instance_id=instance_id, endpoint_id=endpoint_id)
    if not endpoints:
        return 0
    at_ms = now_ms()
    events_since = select(Event.id).where(Event.instance_id == instance_id, Event.created_at >= since)
    restarted = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.instance_id == instance_id,
            WebhookDelivery.endpoint_id.in_([endpoint_id for endpoint_id, _ in endpoints]),
            WebhookDelivery.status == FAILED,
            WebhookDelivery.event_id.in_(events_since),
        )
        .values(**_restart_cycle(at_ms)),
        execution_options={"synchronize_session": False},
    )
    added = await _add_missing_deliveries(
        session,
        instance_id=instance_id,
        endpoints=endpoints,
        events=select(Event.id, Event.type).where(Event.instance_id == instance_id, Event.created_at >= since),
        at_ms=at_ms,
    )
    await _forget_errors(session, events_since)
    mark_outbox_work(session)
    # An UPDATE's result is a CursorResult, with a rowcount; execute() is typed for any statement.
    return cast(CursorResult[Any], restarted).rowcount + added
