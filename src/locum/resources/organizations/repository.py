"""The organization aggregate's queries. Organizations: the filtered list, slugs, organizations by
id, and the per-page extras (members and pending invitation counts, organizations without a member
who can manage members). Memberships: who is a member, how many, who can manage members; the
memberships API's lists extend these (organization_memberships/repository.py)."""

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from locum.api.errors import ClerkError, not_found
from locum.api.ordering import Ordering
from locum.api.pagination import Page, counting, page_of
from locum.api.query import split_signed
from locum.db.locking import locked
from locum.db.models import (
    EmailAddress,
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
    Permission,
    Role,
    RolePermission,
)
from locum.db.repository import InstanceRepository
from locum.db.row_counts import instance_row_count
from locum.db.text_search import contains_in_any, search_values
from locum.kit.clock import now_ms
from locum.resources.organizations.schemas import OrganizationListParams

DEFAULT_ORDER = "-created_at"
# A member holding a role with this permission can manage the organization's members.
MANAGE_MEMBERSHIPS = "org:sys_memberships:manage"
ROLE_WITH_PERMISSIONS = selectinload(OrganizationMembership.role).selectinload(Role.permissions)

ORDER_COLUMNS: dict[str, Any] = {
    "created_at": Organization.created_at,
    "name": Organization.name,
    "members_count": Organization.members_count,
}


class OrganizationRepository(InstanceRepository[Organization]):
    model = Organization
    id_kind = "organization"

    def not_found(self, id: str) -> ClerkError:
        return not_found("organization")

    def matching(self, id_or_slug: str) -> Select[Any]:
        """The organization Clerk addresses by `id_or_slug` (it accepts both)."""
        return self.select().where(or_(Organization.id == id_or_slug, Organization.slug == id_or_slug))

    async def slug_taken(self, slug: str, *, except_id: str | None = None) -> bool:
        statement = self.select(Organization.id).where(Organization.slug == slug)
        if except_id is not None:
            statement = statement.where(Organization.id != except_id)
        return await self.session.scalar(statement) is not None

    async def by_ids(self, ids: set[str]) -> dict[str, Organization]:
        rows = await self.session.scalars(self.select().where(Organization.id.in_(ids)))
        return {organization.id: organization for organization in rows}

    def _has_member_among(self, user_ids: list[str]) -> ColumnElement[bool]:
        return Organization.id.in_(
            select(OrganizationMembership.organization_id).where(
                self.scope(OrganizationMembership), OrganizationMembership.user_id.in_(user_ids)
            )
        )

    def _filters(self, params: OrganizationListParams) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if params.query:
            searched = search_values(params.query)
            conditions.append(
                or_(
                    Organization.id == params.query,
                    contains_in_any((Organization.name, Organization.slug), searched),
                )
            )
        included_users, excluded_users = split_signed(params.user_id)
        if included_users:
            conditions.append(self._has_member_among(included_users))
        if excluded_users:
            conditions.append(~self._has_member_among(excluded_users))
        included_ids, excluded_ids = split_signed(params.organization_id)
        if included_ids:
            conditions.append(Organization.id.in_(included_ids))
        if excluded_ids:
            conditions.append(Organization.id.not_in(excluded_ids))
        return conditions

    async def page(self, params: OrganizationListParams, ordering: Ordering) -> Page[Organization]:
        filters = self._filters(params)
        statement = self.select().where(*filters)
        column = ORDER_COLUMNS[ordering.field]
        count = None if filters else instance_row_count("organizations", self.instance_id)
        return await page_of(
            self.session, statement, params, ordering=ordering, column=column, id_column=Organization.id, count=count
        )

    async def members_counts(self, organization_ids: list[str]) -> dict[str, int]:
        rows = await self.session.execute(
            select(OrganizationMembership.organization_id, func.count())
            .where(self.scope(OrganizationMembership), OrganizationMembership.organization_id.in_(organization_ids))
            .group_by(OrganizationMembership.organization_id)
        )
        counts = {organization_id: int(count) for organization_id, count in rows.tuples()}
        return {organization_id: counts.get(organization_id, 0) for organization_id in organization_ids}

    async def pending_invitations_counts(self, organization_ids: list[str]) -> dict[str, int]:
        """Per organization: invitations still pending (status pending and not past their expiry)."""
        at_ms = now_ms()
        rows = await self.session.execute(
            select(OrganizationInvitation.organization_id, func.count())
            .where(
                self.scope(OrganizationInvitation),
                OrganizationInvitation.organization_id.in_(organization_ids),
                OrganizationInvitation.status == "pending",
                or_(OrganizationInvitation.expires_at.is_(None), OrganizationInvitation.expires_at > at_ms),
            )
            .group_by(OrganizationInvitation.organization_id)
        )
        counts = {organization_id: int(count) for organization_id, count in rows.tuples()}
        return {organization_id: counts.get(organization_id, 0) for organization_id in organization_ids}

    async def missing_elevated_members(self, organization_ids: list[str]) -> dict[str, bool]:
        """Per organization: True when none of its members holds a role that can manage members."""
        rows = await self.session.scalars(
            select(OrganizationMembership.organization_id)
            .join(RolePermission, RolePermission.role_id == OrganizationMembership.role_id)
            .join(
                Permission,
                and_(
                    Permission.id == RolePermission.permission_id,
                    self.scope(Permission),
                    Permission.key == MANAGE_MEMBERSHIPS,
                ),
            )
            .where(self.scope(OrganizationMembership), OrganizationMembership.organization_id.in_(organization_ids))
            .distinct()
        )
        covered = set(rows)
        return {organization_id: organization_id not in covered for organization_id in organization_ids}


class MembershipRepository(InstanceRepository[OrganizationMembership]):
    """Memberships, part of the organization aggregate: who is a member, how many, who manages."""

    model = OrganizationMembership
    id_kind = "organization_membership"

    def not_found(self, id: str) -> ClerkError:
        return not_found("organization membership")

    def _of(self, organization_id: str, user_id: str) -> Select[Any]:
        return self.select().where(
            OrganizationMembership.organization_id == organization_id, OrganizationMembership.user_id == user_id
        )

    async def exists(self, *, organization_id: str, user_id: str) -> bool:
        statement = self._of(organization_id, user_id).with_only_columns(OrganizationMembership.id)
        return await self.session.scalar(statement) is not None

    async def has_member_with_email(self, *, organization_id: str, email_key: str) -> bool:
        """Whether a member of the organization owns the address (`email_lookup_key` form)."""
        statement = (
            self.select(OrganizationMembership.id)
            .join(EmailAddress, EmailAddress.user_id == OrganizationMembership.user_id)
            .where(
                OrganizationMembership.organization_id == organization_id,
                self.scope(EmailAddress),
                EmailAddress.email_address_normalized == email_key,
            )
        )
        return await self.session.scalar(statement) is not None

    async def role_id_of(self, *, organization_id: str, user_id: str) -> str | None:
        return await self.session.scalar(
            self._of(organization_id, user_id).with_only_columns(OrganizationMembership.role_id)
        )

    async def locked_or_raise(self, *, organization_id: str, user_id: str) -> OrganizationMembership:
        """The membership, with its role and permissions, locked for a change."""
        membership = await self.session.scalar(
            locked(self._of(organization_id, user_id).options(ROLE_WITH_PERMISSIONS))
        )
        if membership is None:
            raise self.not_found(user_id)
        return membership

    async def count(self, *, organization_id: str) -> int:
        statement = counting(OrganizationMembership).where(
            self.scope(), OrganizationMembership.organization_id == organization_id
        )
        return int(await self.session.scalar(statement) or 0)

    def _manager_roles(self) -> Select[Any]:
        """The ids of the instance's roles that can manage members."""
        return (
            select(RolePermission.role_id)
            .join(Permission, Permission.id == RolePermission.permission_id)
            .where(self.scope(Permission), Permission.key == MANAGE_MEMBERSHIPS)
        )

    async def role_manages(self, role_id: str) -> bool:
        statement = self._manager_roles().where(RolePermission.role_id == role_id)
        return await self.session.scalar(statement) is not None

    async def other_managers(self, membership: OrganizationMembership) -> int:
        """How many other members of the organization have a role that can manage members."""
        statement = counting(OrganizationMembership).where(
            self.scope(),
            OrganizationMembership.organization_id == membership.organization_id,
            OrganizationMembership.id != membership.id,
            OrganizationMembership.role_id.in_(self._manager_roles()),
        )
        return int(await self.session.scalar(statement) or 0)
