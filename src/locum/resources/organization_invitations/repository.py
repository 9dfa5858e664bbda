"""Queries over organization invitations: status as of a moment (expiry is computed, not stored),
pages in Clerk's orders, and rendering with inviters and organizations loaded in one query each."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from locum.api.errors import not_found
from locum.api.ordering import Ordering
from locum.db.locking import locked
from locum.db.models import Organization, OrganizationInvitation, User
from locum.resources.organization_invitations.schemas import PageQuery
from locum.resources.organization_invitations.serializers import EXPIRED, PENDING, invitation_json
from locum.resources.organizations.serializers import JSON

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


async def render(
    session: AsyncSession,
    invitations: Sequence[OrganizationInvitation],
    *,
    origin: str,
    at_ms: int,
    with_organization: bool = False,
) -> list[JSON]:
    """Invitations (roles loaded) with their inviters and, when asked, their organizations' public data."""
    inviter_ids = {i.inviter_user_id for i in invitations if i.inviter_user_id is not None}
    inviters: dict[str, User] = {}
    if inviter_ids:
        rows = await session.scalars(
            select(User).where(User.id.in_(inviter_ids)).options(selectinload(User.email_addresses))
        )
        inviters = {user.id: user for user in rows}
    organizations: dict[str, Organization] = {}
    if with_organization:
        organization_ids = {i.organization_id for i in invitations}
        found = await session.scalars(select(Organization).where(Organization.id.in_(organization_ids)))
        organizations = {organization.id: organization for organization in found}
    return [
        invitation_json(
            invitation,
            role=invitation.role,
            inviter=inviters.get(invitation.inviter_user_id or ""),
            origin=origin,
            at_ms=at_ms,
            organization=organizations.get(invitation.organization_id),
        )
        for invitation in invitations
    ]


async def page(
    session: AsyncSession,
    statement: Select[OrganizationInvitation],
    *,
    ordering: Ordering,
    page: PageQuery,
) -> tuple[list[OrganizationInvitation], int]:
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    column = ORDER_COLUMNS[ordering.field]
    rows = await session.scalars(
        statement.options(selectinload(OrganizationInvitation.role))
        .order_by(ordering.apply(column), ordering.apply(OrganizationInvitation.id))
        .limit(page.limit)
        .offset(page.offset)
    )
    return list(rows), int(total or 0)


async def get_invitation_or_raise(
    session: AsyncSession,
    *,
    instance_id: str,
    invitation_id: str,
    organization_id: str | None = None,
    for_update: bool = False,
) -> OrganizationInvitation:
    """The invitation with its role; `for_update` locks it, for a status change (its organization
    must be locked first, see db/locking.py)."""
    statement = (
        select(OrganizationInvitation)
        .where(OrganizationInvitation.instance_id == instance_id, OrganizationInvitation.id == invitation_id)
        .options(selectinload(OrganizationInvitation.role))
    )
    if organization_id is not None:
        statement = statement.where(OrganizationInvitation.organization_id == organization_id)
    invitation = await session.scalar(locked(statement) if for_update else statement)
    if invitation is None:
        raise not_found("organization invitation")
    return invitation


async def organization_of(session: AsyncSession, *, instance_id: str, invitation_id: str) -> str:
    """The id of the invitation's organization, whose lock comes before the invitation's."""
    organization_id = await session.scalar(
        select(OrganizationInvitation.organization_id).where(
            OrganizationInvitation.instance_id == instance_id, OrganizationInvitation.id == invitation_id
        )
    )
    if organization_id is None:
        raise not_found("organization invitation")
    return organization_id


async def pending_count(session: AsyncSession, *, organization_id: str, at_ms: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(OrganizationInvitation)
        .where(OrganizationInvitation.organization_id == organization_id, pending_at(at_ms))
    )
    return int(count or 0)
