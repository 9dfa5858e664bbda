"""Fan-out: each new outbox event becomes one pending delivery per enabled endpoint that wants it.

An endpoint wants an event when its `event_types` filter is empty or names the event's type. The
deliveries and the event's `dispatched_at` are written in the caller's transaction, so an event is
fanned out completely or not at all. On PostgreSQL the events are taken FOR UPDATE SKIP LOCKED, so
concurrent workers split the backlog instead of fanning out the same events; SQLite's single
writer (BEGIN IMMEDIATE) serializes them. The unique (event_id, endpoint_id) constraint is the
backstop either way: a delivery that already exists (a replay got there first) is left alone.

An event whose fan-out fails on its own is given up (`fail_event`): it is marked dispatched, with
its error, so that it never holds up the events after it (see isolation.py). An endpoint whose
stored `event_types` cannot be read gets no event until they are set again.

An event recorded (outbox.events.new_event, whether added to the session or inserted with
InstanceRepository.insert_rows) that no enabled endpoint of its instance wants is stored already
dispatched (its `dispatched_at` its `created_at`) by a trigger on `events` (migration 0018), in the
statement that inserts it: the worker never takes it, and on SQLite never takes the write lock for
it (an instance without endpoints is the common case: development, CI). new_event inserts
`dispatched_at` = events.UNDECIDED, which the trigger replaces with null when an endpoint wants the
event; rows inserted otherwise (a snapshot's, whose endpoints are inserted after its events) keep
what they hold. The trigger reads the endpoints as `wants` and `read_event_types` do; a filter it
cannot judge the same way (JSON that is no list of strings) leaves the event to the worker, which
decides as before.
So the deliveries an event gets are those of the endpoints that wanted it when it was inserted or
fanned out, and the trigger only moves the decision for an event nobody wanted to its insertion:

- SQLite: one writer, and the trigger runs under its lock, so an endpoint created, enabled or
  given a wider filter either committed before the event's INSERT (the trigger sees it: the worker
  fans out) or commits after the event's transaction, for an event that existed before it (Svix
  and Clerk deliver only messages created after the endpoint exists): exact.
- PostgreSQL (READ COMMITTED): the trigger sees the endpoints committed when the INSERT statement
  began. An endpoint change committed after that but before the event's transaction commits is
  not seen, and the event (nobody wanted it) gets no delivery for that endpoint, where the worker
  fanning out later would have made one. Acceptable: the event and the endpoint were concurrent,
  the event was created before the endpoint (or filter) existed for anyone to see, and Svix
  delivers only messages created after the endpoint exists. An endpoint disabled or narrowed
  concurrently is seen by the worker as before (the event was left to it).
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, cast

import orjson
from sqlalchemy import ColumnElement, Exists, Insert, Select, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Event, WebhookDelivery, WebhookEndpoint
from locum.db.scoping import across_instances
from locum.kit.ids import new_id
from locum.outbox.isolation import json_text

logger = logging.getLogger("locum.outbox")

FAN_OUT_BATCH_SIZE = 500
PENDING = "pending"


def is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def wants(event_types: Sequence[str], event_type: str) -> bool:
    return not event_types or event_type in event_types


def read_event_types(stored: str) -> list[str] | None:
    """An endpoint's filter from its `event_types` as stored text (isolation.json_text); None when
    that is no list of event types."""
    try:
        event_types = orjson.loads(stored)
    except orjson.JSONDecodeError:
        return None
    if event_types is None:
        return []
    if isinstance(event_types, list) and all(isinstance(event_type, str) for event_type in event_types):
        return event_types
    return None


def stored_event_types() -> ColumnElement[str]:
    """The endpoints' `event_types` column, to select and read with read_event_types."""
    return json_text(WebhookEndpoint.event_types)


def insert_deliveries_ignoring_existing(session: AsyncSession) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING for webhook_deliveries, in the session's dialect."""
    # SQLAlchemy types a model's __table__ as any FromClause; each of locum's models maps a Table.
    table = cast(Table, WebhookDelivery.__table__)
    # Each dialect imported when used: a start on one database never loads the other's.
    if is_postgresql(session):
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects import sqlite

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
        select(WebhookEndpoint.instance_id, WebhookEndpoint.id, stored_event_types())
        .where(WebhookEndpoint.instance_id.in_(set(instance_ids)), WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    endpoints: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for instance_id, endpoint_id, stored in rows:
        event_types = read_event_types(stored)
        if event_types is None:
            logger.warning("webhook endpoint %s: its event_types cannot be read; it gets no events", endpoint_id)
            continue
        endpoints[instance_id].append((endpoint_id, event_types))
    return endpoints


def _undispatched(limit: int) -> Select[str, str, str]:
    """The queue of events to fan out, every instance's."""
    return across_instances(
        select(Event.id, Event.instance_id, Event.type)
        .where(Event.dispatched_at.is_(None))
        .order_by(Event.created_at, Event.id)
        .limit(limit)
    )


def undispatched_event_waits() -> Exists:
    """Whether an event waits to be fanned out (for a select's column)."""
    return _undispatched(1).with_only_columns(Event.id).exists()


async def undispatched_event_ids(session: AsyncSession, *, limit: int = FAN_OUT_BATCH_SIZE) -> list[str]:
    return list(await session.scalars(_undispatched(limit).with_only_columns(Event.id)))


async def fan_out(
    session: AsyncSession, *, at_ms: int, limit: int = FAN_OUT_BATCH_SIZE, event_ids: Sequence[str] | None = None
) -> int:
    """Fan out up to `limit` undispatched events (of `event_ids` only, if given), oldest first;
    returns how many were taken.

    Runs in the caller's transaction (nothing is committed here).
    """
    query = _undispatched(limit)
    if event_ids is not None:
        query = query.where(Event.id.in_(event_ids))
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
        across_instances(update(Event).where(Event.id.in_([event.id for event in events])).values(dispatched_at=at_ms)),
        execution_options={"synchronize_session": False},
    )
    return len(events)


async def fail_event(session: AsyncSession, event_id: str, *, error: str, at_ms: int) -> None:
    """Give up on an event for every endpoint: it is not fanned out (again), and `error` says why."""
    # The row-by-row pass has only the id, from the queue of every instance's events.
    await session.execute(
        across_instances(
            update(Event)
            .where(Event.id == event_id)
            .values(error=error, dispatched_at=func.coalesce(Event.dispatched_at, at_ms))
        ),
        execution_options={"synchronize_session": False},
    )
