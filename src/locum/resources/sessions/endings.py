"""Ending a user's sessions from elsewhere: bans, password changes, deletion.

Kept apart from session creation so the users package can call it without an import cycle
(creating a session updates the user's sign-in time through the users package).
"""

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.constraints import flush
from locum.db.models import Session, User
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.outbox.events import EventType, record
from locum.resources.sessions.lifetimes import ACTIVE_STATUSES, status_of
from locum.resources.sessions.repository import SessionRepository
from locum.resources.sessions.serializers import session_json
from locum.resources.users.serializers import with_origin


async def record_session_event(
    session: AsyncSession, ctx: RequestContext, type: EventType, ended: Session, now: int
) -> None:
    """Clerk's session events carry the session and its user (as GET /users/{id} renders it); the
    webhook Session has no `tasks`, which only the API's has."""
    document = await session.scalar(
        select(User.document).where(User.instance_id == ctx.instance_id, User.id == ended.user_id)
    )
    user = orjson.loads(with_origin(document, ctx.origin)) if document is not None else None
    data = {key: value for key, value in session_json(ended, now).items() if key != "tasks"}
    record(session, ctx, type, {**data, "user": user})


def end_session(session: Session, status: str, now: int) -> bool:
    """Moves a still-active session to `status` ("revoked", "ended", …); False if it already ended."""
    if status_of(session, now) not in ACTIVE_STATUSES:
        return False
    session.status = status
    session.updated_at = now
    return True


async def revoke_user_sessions(session: AsyncSession, ctx: RequestContext, *, user_id: str) -> None:
    """Ban, password removal, compromised password: every active session of the user is revoked."""
    sessions = await SessionRepository(session, ctx.instance_id).of_user(user_id, running_only=True)
    now = now_ms()
    for row in sessions:
        if end_session(row, "revoked", now):
            await record_session_event(session, ctx, "session.revoked", row, now)
    await flush(session)


async def record_removed_sessions(session: AsyncSession, ctx: RequestContext, *, user_id: str) -> None:
    """A deleted user's sessions go with it (the rows cascade); subscribers hear `session.removed`."""
    now = now_ms()
    for row in await SessionRepository(session, ctx.instance_id).of_user(user_id, running_only=False):
        if status_of(row, now) in ACTIVE_STATUSES:
            row.status = "removed"
            row.updated_at = now
            await record_session_event(session, ctx, "session.removed", row, now)
