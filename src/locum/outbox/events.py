"""Clerk webhook events, recorded in the outbox in the same transaction as the change.

Event type names follow Clerk's webhook catalogue (`user.created`, …); `data` is the same JSON the
API returns for the object. Delivery is a separate concern (it reads committed rows only); a
session that recorded events, or re-queued deliveries, is marked so that whoever commits it can wake
an in-process delivery worker at once instead of letting it find the rows on its next poll. An
event no endpoint wants is stored dispatched (see dispatch.py): the worker woken for it finds
nothing waiting with one read on the bare-driver reader, and takes no write lock.
"""

from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Event
from locum.db.repository import detached_row
from locum.instances.context import RequestContext
from locum.kit.ids import new_id

# Key in AsyncSession.info: the session's transaction leaves work for the delivery worker.
OUTBOX_WORK_KEY = "locum_outbox_work"
# The dispatched_at of a new event as inserted: the database replaces it in the INSERT (see dispatch.py).
UNDECIDED = -1

EventType = Literal[
    "user.created",
    "user.updated",
    "user.deleted",
    "organization.created",
    "organization.updated",
    "organization.deleted",
    "organizationMembership.created",
    "organizationMembership.updated",
    "organizationMembership.deleted",
    "organizationInvitation.created",
    "organizationInvitation.accepted",
    "organizationInvitation.revoked",
    "organizationDomain.created",
    "organizationDomain.updated",
    "organizationDomain.deleted",
    "role.created",
    "role.updated",
    "role.deleted",
    "permission.created",
    "permission.updated",
    "permission.deleted",
    "session.created",
    "session.revoked",
    "session.ended",
    "session.removed",
    "waitlistEntry.created",
    "waitlistEntry.updated",
    "email.created",
    "sms.created",
    "subscription.created",
    "subscription.updated",
    "subscription.active",
    "subscription.pastDue",
    "subscriptionItem.updated",
    "subscriptionItem.active",
    "subscriptionItem.canceled",
    "subscriptionItem.upcoming",
    "subscriptionItem.ended",
    "subscriptionItem.abandoned",
    "subscriptionItem.incomplete",
    "subscriptionItem.pastDue",
    "subscriptionItem.freeTrialEnding",
    "paymentAttempt.created",
    "paymentAttempt.updated",
]


def record(session: AsyncSession, context: RequestContext, type: EventType, data: dict[str, Any]) -> None:
    """Record `type` for the context's instance; the caller's address and user agent go along."""
    session.add(new_event(session, context, type, data))


def new_event(session: AsyncSession, context: RequestContext, type: EventType, data: dict[str, Any]) -> Event:
    """The row `record` adds, for a caller that inserts it with rows of its own (InstanceRepository.
    insert_rows) instead; the session is marked as having recorded it."""
    http_request = context.http_request
    attributes = {"http_request": dict(http_request)} if http_request is not None else {}
    mark_outbox_work(session)
    return detached_row(
        Event,
        dict(
            id=new_id("event"),
            instance_id=context.instance_id,
            type=type,
            data=data,
            attributes=attributes,
            dispatched_at=UNDECIDED,
        ),
    )


def mark_outbox_work(session: AsyncSession) -> None:
    session.info[OUTBOX_WORK_KEY] = True


def has_outbox_work(session: AsyncSession) -> bool:
    """Whether this session recorded events or re-queued deliveries (check it after the commit)."""
    return bool(session.info.get(OUTBOX_WORK_KEY, False))
