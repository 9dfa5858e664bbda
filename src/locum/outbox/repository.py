"""The delivery queue in the database: leasing due deliveries, storing attempts, the retry schedule.

A delivery's status (attempts are counted per cycle; a replay starts a new cycle):

    (fan-out, replay) ──> pending ──2xx──> succeeded ──replay──> pending
                           │   ^
                           │   └── failure, schedule not exhausted: next_attempt_at = now + interval
                           ├──── failure, schedule exhausted ──> failed ──replay──> pending
                           │     (or its endpoint is disabled)
                           └──── locum cannot make it ──────────> failed

A worker leases due deliveries (leased_until = now + lease) in a short transaction, attempts them
outside any transaction, then stores the outcomes in another. Every write of an outcome is guarded
by the lease it was attempted under, so a worker whose lease ran out (it hung, another worker took
the delivery over) changes nothing but its own attempt record. When a delivery exhausts the
schedule and its endpoint has had no success since that delivery's first attempt, the endpoint is
disabled, as Svix disables endpoints that keep failing, and its other pending deliveries fail.

The queue is every instance's: the statements that read or change deliveries by their ids (from
leases of several instances at once) are marked `across_instances`; those about one endpoint or
event are filtered on its instance like any other.

A delivery locum itself cannot make (its event cannot be rendered; an unforeseen fault while
leasing it or storing its outcome) fails at once (`fail_deliveries`), with an attempt recording
why: retrying would not help, and it is not the endpoint's fault, so the endpoint stays enabled.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Exists,
    Select,
    Table,
    bindparam,
    case,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from locum.db.scoping import across_instances
from locum.kit.ids import new_id
from locum.kit.sealing import Sealer
from locum.outbox.delivery import (
    MS_PER_SECOND,
    AttemptOutcome,
    LeasedDelivery,
    stored_envelope_body,
    unrenderable_event_error,
)
from locum.outbox.dispatch import PENDING, is_postgresql
from locum.outbox.isolation import RENDERING_ERRORS, json_text
from locum.outbox.signing import message_id, signing_key

logger = logging.getLogger("locum.outbox")

SUCCEEDED = "succeeded"
FAILED = "failed"
DISABLED_FOR_FAILING = "failing"
# Unsealed signing keys kept per worker; endpoints are few, so this is only a bound.
MAX_CACHED_SIGNING_KEYS = 1024

# SQLAlchemy types a model's __table__ as any FromClause; each of locum's models maps a Table.
_deliveries = cast(Table, WebhookDelivery.__table__)
_attempts = cast(Table, WebhookAttempt.__table__)
# The row is as it was leased: no replay (or disabling) changed it during the attempt.
_unchanged = _deliveries.c.updated_at == bindparam("b_version", type_=BigInteger)


def _if_unchanged(name: str, column: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((_unchanged, bindparam(name, type_=column.type)), else_=column)


def new_version(at_ms: int) -> ColumnElement[int]:
    """updated_at for a change an attempt in flight must notice: `at_ms`, or one more than before
    if the row already changed within that millisecond."""
    return case((WebhookDelivery.updated_at >= at_ms, WebhookDelivery.updated_at + 1), else_=at_ms)


# Applies an outcome under the lease it was attempted with, and gives the lease back either way.
_store_outcome = across_instances(
    update(_deliveries)
    .where(_deliveries.c.id == bindparam("b_id"), _deliveries.c.leased_until == bindparam("b_leased_until"))
    .values(
        status=_if_unchanged("b_status", _deliveries.c.status),
        attempt_count=_if_unchanged("b_attempt_count", _deliveries.c.attempt_count),
        next_attempt_at=_if_unchanged("b_next_attempt_at", _deliveries.c.next_attempt_at),
        updated_at=_if_unchanged("b_updated_at", _deliveries.c.updated_at),
        leased_until=None,
    )
)
_release_lease = across_instances(
    update(_deliveries)
    .where(_deliveries.c.id == bindparam("b_id"), _deliveries.c.leased_until == bindparam("b_leased_until"))
    .values(leased_until=None)
)


@dataclass(frozen=True, slots=True)
class StoredFailure:
    """A failed attempt as stored: its delivery is tried again at `next_attempt_at`, or given up (None)."""

    outcome: AttemptOutcome
    attempt_number: int
    next_attempt_at: int | None


class SigningKeys:
    """Endpoint signing keys, unsealed once per worker (a Fernet decryption is not free).

    A secret sealed with another master key gives None: its deliveries fail (and the endpoint is
    disabled in time) while every other endpoint's go on.
    """

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer
        self._keys: dict[bytes, bytes | None] = {}

    def key_for(self, endpoint_id: str, sealed_secret: bytes) -> bytes | None:
        if sealed_secret not in self._keys:
            if len(self._keys) >= MAX_CACHED_SIGNING_KEYS:
                self._keys.clear()
            try:
                self._keys[sealed_secret] = signing_key(self._sealer.unseal(sealed_secret))
            except (ValueError, TypeError):
                logger.error("webhook endpoint %s: its secret does not unseal with this master key", endpoint_id)
                self._keys[sealed_secret] = None
        return self._keys[sealed_secret]


def _due(at_ms: int | ColumnElement[int], batch_size: int) -> Select[str]:
    """Due deliveries of enabled endpoints, most overdue first."""
    enabled_endpoints = select(WebhookEndpoint.id).where(WebhookEndpoint.enabled.is_(True))
    return across_instances(
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at <= at_ms,
            or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until <= at_ms),
            WebhookDelivery.endpoint_id.in_(enabled_endpoints),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(batch_size)
    )


def due_delivery_waits(at_ms: ColumnElement[int]) -> Exists:
    """Whether a delivery is due at `at_ms` (for a select's column)."""
    return _due(at_ms, 1).exists()


async def due_delivery_ids(session: AsyncSession, *, at_ms: int, batch_size: int) -> list[str]:
    return list(await session.scalars(_due(at_ms, batch_size)))


async def lease_due(
    session: AsyncSession,
    keys: SigningKeys,
    *,
    at_ms: int,
    batch_size: int,
    lease_ms: int,
    delivery_ids: Sequence[str] | None = None,
) -> list[LeasedDelivery]:
    """Lease up to `batch_size` due deliveries of enabled endpoints (of `delivery_ids` only, if given),
    most overdue first.

    Runs in the caller's transaction; the leases hold once it commits. Each event's body is
    serialized once, however many of its deliveries are leased together; the deliveries of an
    event that cannot be rendered fail instead (and the event records why).
    """
    due = _due(at_ms, batch_size)
    if delivery_ids is not None:
        due = due.where(WebhookDelivery.id.in_(delivery_ids))
    if is_postgresql(session):
        due = due.with_for_update(skip_locked=True)
    ids = list(await session.scalars(due))
    if not ids:
        return []
    leased_until = at_ms + lease_ms
    await session.execute(
        across_instances(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).values(leased_until=leased_until)),
        execution_options={"synchronize_session": False},
    )
    deliveries = (
        await session.execute(
            across_instances(
                select(
                    WebhookDelivery.id,
                    WebhookDelivery.instance_id,
                    WebhookDelivery.endpoint_id,
                    WebhookDelivery.event_id,
                    WebhookDelivery.attempt_count,
                    WebhookDelivery.updated_at,
                    WebhookEndpoint.url,
                    WebhookEndpoint.sealed_secret,
                )
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.id.in_(ids))
            )
        )
    ).all()
    events = await session.execute(
        across_instances(
            select(
                Event.id,
                Event.instance_id,
                Event.type,
                json_text(Event.data),
                json_text(Event.attributes),
                Event.created_at,
            ).where(Event.id.in_({delivery.event_id for delivery in deliveries}))
        )
    )
    bodies: dict[str, bytes] = {}
    types: dict[str, str] = {}
    # event id -> (its instance, why it cannot be rendered)
    unrenderable: dict[str, tuple[str, str]] = {}
    for event_id, instance_id, event_type, data, attributes, created_at in events:
        types[event_id] = event_type
        try:
            bodies[event_id] = stored_envelope_body(
                event_type=event_type,
                data=data,
                created_at=created_at,
                instance_id=instance_id,
                attributes=attributes,
            )
        except RENDERING_ERRORS as error:
            unrenderable[event_id] = (instance_id, unrenderable_event_error(error))
    for event_id, (instance_id, rendering_error) in unrenderable.items():
        logger.error("event %s cannot be rendered; its deliveries fail: %s", event_id, rendering_error)
        await _fail_event_rendering(
            session,
            event_id,
            instance_id,
            [delivery.id for delivery in deliveries if delivery.event_id == event_id],
            error=rendering_error,
            at_ms=at_ms,
        )
    return [
        LeasedDelivery(
            id=delivery.id,
            instance_id=delivery.instance_id,
            endpoint_id=delivery.endpoint_id,
            event_id=delivery.event_id,
            event_type=types[delivery.event_id],
            url=delivery.url,
            signing_key=keys.key_for(delivery.endpoint_id, delivery.sealed_secret),
            message_id=message_id(delivery.event_id),
            body=bodies[delivery.event_id],
            attempt_count=delivery.attempt_count,
            leased_until=leased_until,
            version=delivery.updated_at,
        )
        for delivery in deliveries
        # An event deleted meanwhile (its instance was) takes its deliveries along.
        if delivery.event_id in bodies
    ]


async def _fail_event_rendering(
    session: AsyncSession, event_id: str, instance_id: str, delivery_ids: Sequence[str], *, error: str, at_ms: int
) -> None:
    await session.execute(
        update(Event).where(Event.instance_id == instance_id, Event.id == event_id).values(error=error),
        execution_options={"synchronize_session": False},
    )
    await fail_deliveries(session, delivery_ids, error=error, at_ms=at_ms)


async def fail_deliveries(session: AsyncSession, delivery_ids: Sequence[str], *, error: str, at_ms: int) -> None:
    """Give up on deliveries locum cannot make: failed now, with an attempt recording `error`."""
    rows = (
        await session.execute(
            across_instances(
                select(WebhookDelivery.id, WebhookDelivery.instance_id).where(WebhookDelivery.id.in_(delivery_ids))
            )
        )
    ).all()
    if not rows:
        return
    await session.execute(
        insert(_attempts),
        [
            {
                "id": new_id("webhook_attempt"),
                "instance_id": instance_id,
                "delivery_id": delivery_id,
                "attempted_at": at_ms,
                "response_status": None,
                "response_excerpt": "",
                "error": error,
                "duration_ms": 0,
            }
            for delivery_id, instance_id in rows
        ],
    )
    await session.execute(
        across_instances(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_([delivery_id for delivery_id, _ in rows]))
            .values(
                status=FAILED,
                attempt_count=WebhookDelivery.attempt_count + 1,
                next_attempt_at=None,
                leased_until=None,
                updated_at=new_version(at_ms),
            )
        ),
        execution_options={"synchronize_session": False},
    )


async def record_outcomes(
    session: AsyncSession, outcomes: Sequence[AttemptOutcome], *, schedule: Sequence[int], at_ms: int
) -> list[StoredFailure]:
    """Store the attempts and move their deliveries on (see the module's diagram); returns the failed
    attempts stored, for the caller to report once the transaction has committed."""
    if not outcomes:
        return []
    # Deliveries deleted during their attempt (with their endpoint or instance) have nothing to store.
    existing = set(
        await session.scalars(
            across_instances(
                select(WebhookDelivery.id).where(WebhookDelivery.id.in_([outcome.delivery.id for outcome in outcomes]))
            )
        )
    )
    outcomes = [outcome for outcome in outcomes if outcome.delivery.id in existing]
    if not outcomes:
        return []
    await session.execute(
        insert(_attempts),
        [
            {
                "id": new_id("webhook_attempt"),
                "instance_id": outcome.delivery.instance_id,
                "delivery_id": outcome.delivery.id,
                "attempted_at": outcome.attempted_at,
                "response_status": outcome.response_status,
                "response_excerpt": outcome.response_excerpt,
                "error": outcome.error,
                "duration_ms": outcome.duration_ms,
            }
            for outcome in outcomes
        ],
    )
    disabled = set(
        await session.scalars(
            across_instances(
                select(WebhookEndpoint.id).where(
                    WebhookEndpoint.id.in_({outcome.delivery.endpoint_id for outcome in outcomes}),
                    WebhookEndpoint.enabled.is_(False),
                )
            )
        )
    )
    changes = []
    exhausted = []
    failures = []
    for outcome in outcomes:
        delivery = outcome.delivery
        attempt_count = delivery.attempt_count + 1
        next_attempt_at = None
        if outcome.succeeded:
            status = SUCCEEDED
        elif delivery.endpoint_id in disabled:
            status = FAILED
        elif attempt_count <= len(schedule):
            status, next_attempt_at = PENDING, at_ms + schedule[attempt_count - 1] * MS_PER_SECOND
        else:
            status = FAILED
            exhausted.append(outcome)
        if not outcome.succeeded:
            failures.append(StoredFailure(outcome, attempt_count, next_attempt_at))
        changes.append(
            {
                "b_id": delivery.id,
                "b_leased_until": delivery.leased_until,
                "b_version": delivery.version,
                "b_status": status,
                "b_attempt_count": attempt_count,
                "b_next_attempt_at": next_attempt_at,
                "b_updated_at": at_ms,
            }
        )
    await session.execute(_store_outcome, changes)
    for outcome in exhausted:
        endpoint_id = outcome.delivery.endpoint_id
        if endpoint_id not in disabled and not await _succeeded_since_cycle_began(session, outcome):
            await disable_endpoint(
                session,
                instance_id=outcome.delivery.instance_id,
                endpoint_id=endpoint_id,
                reason=DISABLED_FOR_FAILING,
                at_ms=at_ms,
            )
            disabled.add(endpoint_id)
    return failures


async def _succeeded_since_cycle_began(session: AsyncSession, outcome: AttemptOutcome) -> bool:
    """Whether the endpoint answered any delivery with a 2xx since this delivery's first attempt
    of its current cycle (the outcome's own attempt is already stored)."""
    cycle_attempts = outcome.delivery.attempt_count + 1
    instance_id = outcome.delivery.instance_id
    first_attempt_at = await session.scalar(
        select(WebhookAttempt.attempted_at)
        .where(WebhookAttempt.instance_id == instance_id, WebhookAttempt.delivery_id == outcome.delivery.id)
        .order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.id.desc())
        .offset(cycle_attempts - 1)
        .limit(1)
    )
    success = await session.scalar(
        select(WebhookAttempt.id)
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .where(
            WebhookDelivery.instance_id == instance_id,
            WebhookAttempt.instance_id == instance_id,
            WebhookDelivery.endpoint_id == outcome.delivery.endpoint_id,
            WebhookAttempt.attempted_at >= (first_attempt_at or outcome.attempted_at),
            WebhookAttempt.response_status >= 200,
            WebhookAttempt.response_status < 300,
        )
        .limit(1)
    )
    return success is not None


async def disable_endpoint(
    session: AsyncSession, *, instance_id: str, endpoint_id: str, reason: str, at_ms: int
) -> None:
    """Disable an endpoint and fail its pending deliveries (no new ones are made for it)."""
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.instance_id == instance_id, WebhookEndpoint.id == endpoint_id)
        .values(enabled=False, disabled_reason=reason, updated_at=at_ms),
        execution_options={"synchronize_session": False},
    )
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.instance_id == instance_id,
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == PENDING,
        )
        .values(status=FAILED, next_attempt_at=None, updated_at=new_version(at_ms)),
        execution_options={"synchronize_session": False},
    )


async def release_leases(session: AsyncSession, deliveries: Sequence[LeasedDelivery]) -> None:
    """Give leases back without an outcome (deliveries never attempted, or attempts abandoned when
    stopping): they are due again at once."""
    if deliveries:
        await session.execute(
            _release_lease,
            [{"b_id": delivery.id, "b_leased_until": delivery.leased_until} for delivery in deliveries],
        )
