"""Session reads: one session, and the filtered, newest-first list."""

from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Session
from locum.kit.clock import now_ms
from locum.resources.sessions.lifetimes import ACTIVE_STATUSES
from locum.resources.sessions.schemas import SessionListParams
from locum.resources.sessions.serializers import session_json


def _status_is(status: str, now: int) -> ColumnElement[bool]:
    """SQL for lifetimes.effective_status(...) == status."""
    running = Session.status.in_(ACTIVE_STATUSES)
    if status == "active":
        return and_(Session.status == "active", Session.expire_at > now, Session.abandon_at > now)
    if status == "abandoned":
        return and_(running, Session.abandon_at < Session.expire_at, Session.abandon_at <= now)
    if status == "expired":
        return and_(running, Session.abandon_at >= Session.expire_at, Session.expire_at <= now)
    return Session.status == status


def _conditions(instance_id: str, params: SessionListParams, now: int) -> list[ColumnElement[bool]]:
    conditions = [Session.instance_id == instance_id]
    if params.user_id is not None:
        conditions.append(Session.user_id == params.user_id)
    if params.client_id is not None:
        conditions.append(Session.client_id == params.client_id)
    if params.status is not None:
        conditions.append(_status_is(params.status, now))
    return conditions


async def list_sessions(
    db: AsyncSession, *, instance_id: str, params: SessionListParams
) -> tuple[list[dict[str, Any]], int | None]:
    """The page, and the total count when `paginated` asked for it."""
    now = now_ms()
    conditions = _conditions(instance_id, params, now)
    rows = await db.scalars(
        select(Session)
        .where(*conditions)
        .order_by(Session.created_at.desc(), Session.id.desc())
        .limit(params.limit)
        .offset(params.offset)
    )
    sessions = [session_json(row, now) for row in rows.all()]
    if not params.paginated:
        return sessions, None
    total = await db.scalar(select(func.count()).select_from(Session).where(*conditions))
    return sessions, int(total or 0)
