"""Session queries: one instance's sessions, the filtered newest-first page, a user's or clients' sessions."""

from collections.abc import Collection

from sqlalchemy import ColumnElement, and_

from locum.api.errors import not_found
from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import page_if_asked
from locum.db.locking import locked
from locum.db.models import Session
from locum.db.repository import InstanceRepository
from locum.resources.sessions.lifetimes import ACTIVE_STATUSES
from locum.resources.sessions.schemas import SessionListQuery


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


class SessionRepository(InstanceRepository[Session]):
    model = Session
    id_kind = "session"

    def not_found(self, id: str) -> Exception:
        return not_found("session")

    async def listed(self, query: SessionListQuery, *, now: int) -> tuple[list[Session], int | None]:
        """The page, newest first, and the total count when `paginated` asked for it."""
        statement = self.select()
        if query.user_id is not None:
            statement = statement.where(Session.user_id == query.user_id)
        if query.client_id is not None:
            statement = statement.where(Session.client_id == query.client_id)
        if query.status is not None:
            statement = statement.where(_status_is(query.status, now))
        return await page_if_asked(
            self.session, statement, query, ordering=NEWEST_FIRST, column=Session.created_at, id_column=Session.id
        )

    async def of_user(self, user_id: str, *, running_only: bool) -> list[Session]:
        """The user's sessions (only the active or pending ones if `running_only`), locked until commit."""
        statement = self.select().where(Session.user_id == user_id)
        if running_only:
            statement = statement.where(Session.status.in_(ACTIVE_STATUSES))
        return list(await self.session.scalars(locked(statement.order_by(Session.id))))

    async def of_clients(self, client_ids: Collection[str]) -> list[Session]:
        """The clients' sessions, oldest first."""
        statement = self.select().where(Session.client_id.in_(client_ids)).order_by(Session.created_at, Session.id)
        return list(await self.session.scalars(statement))
