"""Queries over organization invitations: status as of a moment (expiry is computed, not stored),
pages in Clerk's orders, and the inviters a page shows."""

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import selectinload

from locum.api.errors import ClerkError, not_found
from locum.api.ordering import Ordering
from locum.api.pagination import Page, PageQuery, counting, page_of
from locum.db.models import OrganizationInvitation, User
from locum.db.repository import InstanceRepository, Lock
from locum.resources.organization_invitations.serializers import EXPIRED, PENDING

ORDER_COLUMNS = {
    "created_at": OrganizationInvitation.created_at,
    "email_address": OrganizationInvitation.email_address_normalized,
}
DEFAULT_ORDER = "-created_at"


def pending_at(at_ms: int) -> ColumnElement[bool]:
    return and_(
        OrganizationInvitation.status == PENDING,
        or_(OrganizationInvitation.expires_at.is_(None), OrganizationInvitation.expires_at > at_ms),
    )


def status_is(status: str, at_ms: int) -> ColumnElement[bool]:
    if status == PENDING:
        return pending_at(at_ms)
    if status == EXPIRED:
        return and_(OrganizationInvitation.status == PENDING, OrganizationInvitation.expires_at <= at_ms)
    return OrganizationInvitation.status == status


class InvitationRepository(InstanceRepository[OrganizationInvitation]):
    model = OrganizationInvitation
    id_kind = "organization_invitation"

    def not_found(self, id: str) -> ClerkError:
        return not_found("organization invitation")

    def select_with_role(self) -> Select[Any]:
        return self.select().options(selectinload(OrganizationInvitation.role))

    async def page(
        self, conditions: list[ColumnElement[bool]], *, ordering: Ordering, page: PageQuery
    ) -> Page[OrganizationInvitation]:
        """A page of the instance's invitations matching `conditions`, roles loaded."""
        statement = self.select_with_role().where(*conditions)
        column = ORDER_COLUMNS[ordering.field]
        return await page_of(self.session, statement, page, ordering=ordering, column=column, id_column=self.model.id)

    async def in_organization_or_raise(
        self, invitation_id: str, *, organization_id: str, lock: Lock | None = None
    ) -> OrganizationInvitation:
        """The organization's invitation with its role; lock it for a status change only with its
        organization locked first (db/locking.py)."""
        statement = self.select_with_role().where(
            OrganizationInvitation.id == invitation_id, OrganizationInvitation.organization_id == organization_id
        )
        invitation = await self.session.scalar(lock(statement) if lock is not None else statement)
        if invitation is None:
            raise self.not_found(invitation_id)
        return invitation

    async def organization_of(self, invitation_id: str) -> str:
        """The id of the invitation's organization, whose lock comes before the invitation's."""
        statement = self.select(OrganizationInvitation.organization_id).where(
            OrganizationInvitation.id == invitation_id
        )
        organization_id = await self.session.scalar(statement)
        if organization_id is None:
            raise self.not_found(invitation_id)
        return organization_id

    async def pending_count(self, *, organization_id: str, at_ms: int) -> int:
        statement = counting(OrganizationInvitation).where(
            self.scope(), OrganizationInvitation.organization_id == organization_id, pending_at(at_ms)
        )
        return int(await self.session.scalar(statement) or 0)

    async def pending_for(self, *, organization_id: str, email_key: str, at_ms: int) -> bool:
        """Whether the organization has a pending invitation for the address."""
        statement = self.select(OrganizationInvitation.id).where(
            OrganizationInvitation.organization_id == organization_id,
            OrganizationInvitation.email_address_normalized == email_key,
            pending_at(at_ms),
        )
        return await self.session.scalar(statement) is not None

    async def inviters(self, invitations: list[OrganizationInvitation]) -> dict[str, User]:
        """The users who sent `invitations`, with the email addresses their public data shows."""
        inviter_ids = {i.inviter_user_id for i in invitations if i.inviter_user_id is not None}
        if not inviter_ids:
            return {}
        rows = await self.session.scalars(
            select(User).where(self.scope(User), User.id.in_(inviter_ids)).options(selectinload(User.email_addresses))
        )
        return {user.id: user for user in rows}
