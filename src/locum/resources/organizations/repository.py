"""Organization queries the lookups can't express: the filtered list and per-page counts."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.ordering import Ordering
from locum.api.query import split_signed
from locum.db.models import Organization, OrganizationInvitation, OrganizationMembership, Permission, RolePermission
from locum.db.text_search import contains
from locum.kit.clock import now_ms
from locum.resources.organizations.schemas import OrganizationListParams

DEFAULT_ORDER = "-created_at"
# A member holding a role with this permission can manage the organization's members.
ELEVATED_PERMISSION = "org:sys_memberships:manage"


def _members_count_column() -> Any:
    return (
        select(func.count())
        .select_from(OrganizationMembership)
        .where(OrganizationMembership.organization_id == Organization.id)
        .correlate(Organization)
        .scalar_subquery()
    )


ORDER_COLUMNS: dict[str, Any] = {
    "created_at": Organization.created_at,
    "name": Organization.name,
    "members_count": _members_count_column(),
}


def _has_member_among(user_ids: list[str]) -> ColumnElement[bool]:
    return Organization.id.in_(
        select(OrganizationMembership.organization_id).where(OrganizationMembership.user_id.in_(user_ids))
    )


def _filters(instance_id: str, params: OrganizationListParams) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Organization.instance_id == instance_id]
    if params.query:
        conditions.append(
            or_(
                Organization.id == params.query,
                contains(Organization.name, params.query),
                contains(Organization.slug, params.query),
            )
        )
    included_users, excluded_users = split_signed(params.user_id)
    if included_users:
        conditions.append(_has_member_among(included_users))
    if excluded_users:
        conditions.append(~_has_member_among(excluded_users))
    included_ids, excluded_ids = split_signed(params.organization_id)
    if included_ids:
        conditions.append(Organization.id.in_(included_ids))
    if excluded_ids:
        conditions.append(Organization.id.not_in(excluded_ids))
    return conditions


@dataclass(frozen=True)
class OrganizationPage:
    organizations: list[Organization]
    total_count: int


async def list_organizations(
    session: AsyncSession, *, instance_id: str, params: OrganizationListParams, ordering: Ordering
) -> OrganizationPage:
    conditions = _filters(instance_id, params)
    total = await session.scalar(select(func.count()).select_from(Organization).where(*conditions))
    statement = (
        select(Organization)
        .where(*conditions)
        .order_by(ordering.apply(ORDER_COLUMNS[ordering.field]), Organization.id.desc())
        .limit(params.limit)
        .offset(params.offset)
    )
    organizations = list(await session.scalars(statement))
    return OrganizationPage(organizations, int(total or 0))


async def members_counts(session: AsyncSession, *, organization_ids: list[str]) -> dict[str, int]:
    rows = await session.execute(
        select(OrganizationMembership.organization_id, func.count())
        .where(OrganizationMembership.organization_id.in_(organization_ids))
        .group_by(OrganizationMembership.organization_id)
    )
    counts = {organization_id: int(count) for organization_id, count in rows.tuples()}
    return {organization_id: counts.get(organization_id, 0) for organization_id in organization_ids}


async def pending_invitations_counts(session: AsyncSession, *, organization_ids: list[str]) -> dict[str, int]:
    """Per organization: invitations still pending (status pending and not past their expiry)."""
    at_ms = now_ms()
    rows = await session.execute(
        select(OrganizationInvitation.organization_id, func.count())
        .where(
            OrganizationInvitation.organization_id.in_(organization_ids),
            OrganizationInvitation.status == "pending",
            or_(OrganizationInvitation.expires_at.is_(None), OrganizationInvitation.expires_at > at_ms),
        )
        .group_by(OrganizationInvitation.organization_id)
    )
    counts = {organization_id: int(count) for organization_id, count in rows.tuples()}
    return {organization_id: counts.get(organization_id, 0) for organization_id in organization_ids}


async def missing_elevated_members(session: AsyncSession, *, organization_ids: list[str]) -> dict[str, bool]:
    """Per organization: True when none of its members holds a role that can manage members."""
    rows = await session.scalars(
        select(OrganizationMembership.organization_id)
        .join(RolePermission, RolePermission.role_id == OrganizationMembership.role_id)
        .join(Permission, and_(Permission.id == RolePermission.permission_id, Permission.key == ELEVATED_PERMISSION))
        .where(OrganizationMembership.organization_id.in_(organization_ids))
        .distinct()
    )
    covered = set(rows)
    return {organization_id: organization_id not in covered for organization_id in organization_ids}
