"""Ending a user's sessions from elsewhere: bans, password changes, deletion.

Kept apart from session creation so the users package can call it without an import cycle
(creating a session updates the user's sign-in time through the users package).
"""

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import Session, User
from locum.kit.clock import now_ms
from locum.outbox.events import EventType, record_for
from locum.resources.sessions.lifetimes import ACTIVE_STATUSES, status_of
from locum.resources.sessions.serializers import session_json
from locum.resources.users.serializers import with_origin


async def record_session_event(db: AsyncSession, type: EventType, session: Session, now: int, *, origin: str) -> None:
    """Clerk's session events carry the session and its user (as GET /users/{id} renders it); the
    webhook Session has no `tasks`, which only the API's has."""
    document = await db.scalar(select(User.document).where(User.id == session.user_id))
    user = orjson.loads(with_origin(document, origin)) if document is not None else None
    data = {key: value for key, value in session_json(session, now).items() if key != "tasks"}
    record_for(db, instance_id=session.instance_id, type=type, data={**data, "user": user})


def end_session(session: Session, status: str, now: int) -> bool:
    """Moves a still-active session to `status` ("revoked", "ended", …); False if it already ended."""
    if status_of(session, now) not in ACTIVE_STATUSES:
        return False
    session.status = status
    session.updated_at = now
    return True


async def revoke_user_sessions(db: AsyncSession, *, instance_id: str, user_id: str, origin: str) -> None:
    """Ban, password removal, compromised password: every active session of the user is revoked."""
    sessions = await db.scalars(
        locked(
            select(Session)
            .where(Session.instance_id == instance_id, Session.user_id == user_id, Session.status.in_(ACTIVE_STATUSES))
            .order_by(Session.id)
        )
    )
    now = now_ms()
    for session in sessions.all():
        if end_session(session, "revoked", now):
            await record_session_event(db, "session.revoked", session, now, origin=origin)
    await flush(db)


async def record_removed_sessions(db: AsyncSession, *, instance_id: str, user_id: str, origin: str) -> None:
    """A deleted user's sessions go with it (the rows cascade); subscribers hear `session.removed`."""
    now = now_ms()
    sessions = await db.scalars(
        locked(
            select(Session).where(Session.instance_id == instance_id, Session.user_id == user_id).order_by(Session.id)
        )
    )
    for session in sessions.all():
        if status_of(session, now) in ACTIVE_STATUSES:
            session.status = "removed"
            session.updated_at = now
            await record_session_event(db, "session.removed", session, now, origin=origin)
