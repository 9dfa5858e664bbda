"""Fan-out: each new outbox event becomes one pending delivery per enabled endpoint that wants it.

An endpoint wants an event when its `event_types` filter is empty or names the event's type. The
deliveries and the event's `dispatched_at` are written in the caller's transaction, so an event is
fanned out completely or not at all. On PostgreSQL the events are taken FOR UPDATE SKIP LOCKED, so
concurrent workers split the backlog instead of fanning out the same events; SQLite's single
writer (BEGIN IMMEDIATE) serializes them. The unique (event_id, endpoint_id) constraint is the
backstop either way: a delivery that already exists (a replay got there first) is left alone.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Event, WebhookDelivery, WebhookEndpoint
from locum.kit.ids import new_id

FAN_OUT_BATCH_SIZE = 500
PENDING = "pending"


def is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def wants(event_types: Sequence[str], event_type: str) -> bool:
    return not event_types or event_type in event_types


def insert_deliveries_ignoring_existing(session: AsyncSession) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING for webhook_deliveries, in the session's dialect."""
    table = WebhookDelivery.__table__
    if is_postgresql(session):
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def new_delivery_row(*, instance_id: str, event_id: str, endpoint_id: str, at_ms: int) -> dict[str, Any]:
    return {
        "id": new_id("webhook_delivery"),
        "instance_id": instance_id,
        "event_id": event_id,
        "endpoint_id": endpoint_id,
        "status": PENDING,
        "attempt_count": 0,
        "next_attempt_at": at_ms,
        "leased_until": None,
        "created_at": at_ms,
        "updated_at": at_ms,
    }


async def enabled_endpoints_by_instance(
    session: AsyncSession, instance_ids: Iterable[str]
) -> dict[str, list[tuple[str, list[str]]]]:
    """{instance_id: [(endpoint_id, event_types), …]} of the enabled endpoints of those instances."""
    rows = await session.execute(
        select(WebhookEndpoint.instance_id, WebhookEndpoint.id, WebhookEndpoint.event_types)
        .where(WebhookEndpoint.instance_id.in_(set(instance_ids)), WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    endpoints: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for instance_id, endpoint_id, event_types in rows:
        endpoints[instance_id].append((endpoint_id, event_types or []))
    return endpoints


async def fan_out(session: AsyncSession, *, at_ms: int, limit: int = FAN_OUT_BATCH_SIZE) -> int:
    """Fan out up to `limit` undispatched events, oldest first; returns how many were taken.

    Runs in the caller's transaction (nothing is committed here).
    """
    query = (
        select(Event.id, Event.instance_id, Event.type)
        .where(Event.dispatched_at.is_(None))
        .order_by(Event.created_at, Event.id)
        .limit(limit)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    events = (await session.execute(query)).all()
    if not events:
        return 0
    endpoints = await enabled_endpoints_by_instance(session, (event.instance_id for event in events))
    deliveries = [
        new_delivery_row(instance_id=event.instance_id, event_id=event.id, endpoint_id=endpoint_id, at_ms=at_ms)
        for event in events
        for endpoint_id, event_types in endpoints.get(event.instance_id, ())
        if wants(event_types, event.type)
    ]
    if deliveries:
        await session.execute(insert_deliveries_ignoring_existing(session), deliveries)
    await session.execute(
        update(Event).where(Event.id.in_([event.id for event in events])).values(dispatched_at=at_ms),
        execution_options={"synchronize_session": False},
    )
    return len(events)
