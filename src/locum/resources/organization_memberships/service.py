"""Organization memberships: add, change the role, remove, merge metadata, and the three lists.

Memberships are addressed by organization (id or slug) and user id. The last member whose role
can manage members (org:sys_memberships:manage) can be neither removed nor demoted; changes lock
the organization row first, so two concurrent changes can't both pass that check (nor the
membership limit, on creation).
"""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from locum.api.bodies import merge_metadata_fields
from locum.api.errors import ClerkError, not_found
from locum.api.ordering import Ordering, parse_order_by
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import Organization, OrganizationMembership, Permission, Role, RolePermission, User
from locum.kit.clock import now_ms
from locum.outbox.events import record_for
from locum.resources.organization_memberships import repository
from locum.resources.organization_memberships.schemas import (
    CreateMembershipBody,
    MembershipListQuery,
    MembershipMetadataBody,
    OrderedPageQuery,
    PageQuery,
)
from locum.resources.organizations.lookup import get_organization_or_raise, get_role_by_key_or_raise, require_enabled
from locum.resources.organizations.members import add_membership
from locum.resources.organizations.serializers import JSON, role_permission_keys

MANAGE_MEMBERSHIPS = "org:sys_memberships:manage"


def minimum_permissions_needed() -> ClerkError:
    return ClerkError(
        400,
        "organization_minimum_permissions_needed",
        "minimum organization permissions needed",
        "There has to be at least one organization member with the minimum required permissions",
    )


async def create_membership(
    session: AsyncSession, *, instance_id: str, organization_id: str, body: CreateMembershipBody, origin: str
) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    organization = await get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    role = await get_role_by_key_or_raise(session, instance_id=instance_id, key=body.role)
    return await add_membership(
        session,
        organization=organization,
        user_id=body.user_id,
        role=role,
        origin=origin,
        public_metadata=body.public_metadata,
        private_metadata=body.private_metadata,
    )


async def _locked_membership(
    session: AsyncSession, *, instance_id: str, organization_id: str, user_id: str
) -> tuple[Organization, OrganizationMembership]:
    """The membership (role and permissions loaded) locked, and its organization, locked first; a
    user who is unknown or not a member is a 404 either way."""
    await require_enabled(session, instance_id=instance_id)
    organization = await get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    # Locked too: a user's deletion removes its memberships without the organization's lock.
    membership = await session.scalar(
        locked(
            select(OrganizationMembership)
            .where(OrganizationMembership.organization_id == organization.id, OrganizationMembership.user_id == user_id)
            .options(repository.ROLE_WITH_PERMISSIONS)
        )
    )
    if membership is None:
        raise not_found("organization membership")
    return organization, membership


def _can_manage_members(role: Role) -> bool:
    return MANAGE_MEMBERSHIPS in role_permission_keys(role)


async def _ensure_another_manager(session: AsyncSession, membership: OrganizationMembership) -> None:
    """Refuse to take away the organization's last member who can manage members."""
    manager_roles = (
        select(RolePermission.role_id)
        .join(Permission, Permission.id == RolePermission.permission_id)
        .where(Permission.instance_id == membership.instance_id, Permission.key == MANAGE_MEMBERSHIPS)
    )
    others = await session.scalar(
        select(func.count())
        .select_from(OrganizationMembership)
        .where(
            OrganizationMembership.organization_id == membership.organization_id,
            OrganizationMembership.id != membership.id,
            OrganizationMembership.role_id.in_(manager_roles),
        )
    )
    if not others:
        raise minimum_permissions_needed()


async def _render_one(session: AsyncSession, membership: OrganizationMembership, *, origin: str) -> JSON:
    (data,) = await repository.render_memberships(session, [membership], origin=origin)
    return data


async def _save(session: AsyncSession, membership: OrganizationMembership, *, origin: str) -> JSON:
    membership.updated_at = now_ms()
    await flush(session)
    data = await _render_one(session, membership, origin=origin)
    record_for(session, instance_id=membership.instance_id, type="organizationMembership.updated", data=data)
    return data


async def update_membership_role(
    session: AsyncSession, *, instance_id: str, organization_id: str, user_id: str, role_key: str, origin: str
) -> JSON:
    _, membership = await _locked_membership(
        session, instance_id=instance_id, organization_id=organization_id, user_id=user_id
    )
    role = await get_role_by_key_or_raise(session, instance_id=instance_id, key=role_key)
    role = (await session.scalars(select(Role).where(Role.id == role.id).options(selectinload(Role.permissions)))).one()
    if _can_manage_members(membership.role) and not _can_manage_members(role):
        await _ensure_another_manager(session, membership)
    membership.role_id = role.id
    membership.role = role
    return await _save(session, membership, origin=origin)


async def update_membership_metadata(
    session: AsyncSession,
    *,
    instance_id: str,
    organization_id: str,
    user_id: str,
    body: MembershipMetadataBody,
    origin: str,
) -> JSON:
    _, membership = await _locked_membership(
        session, instance_id=instance_id, organization_id=organization_id, user_id=user_id
    )
    merge_metadata_fields(membership, body, ("public_metadata", "private_metadata"))
    return await _save(session, membership, origin=origin)


async def delete_membership(
    session: AsyncSession, *, instance_id: str, organization_id: str, user_id: str, origin: str
) -> JSON:
    """Remove the member; Clerk answers with the membership as it was, and the event carries it too."""
    _, membership = await _locked_membership(
        session, instance_id=instance_id, organization_id=organization_id, user_id=user_id
    )
    if _can_manage_members(membership.role):
        await _ensure_another_manager(session, membership)
    data = await _render_one(session, membership, origin=origin)
    await session.delete(membership)
    await flush(session)
    record_for(session, instance_id=instance_id, type="organizationMembership.deleted", data=data)
    return data


def _envelope(data: list[JSON], total: int) -> JSON:
    return {"data": data, "total_count": total}


async def list_organization_memberships(
    session: AsyncSession, *, instance_id: str, organization_id: str, query: MembershipListQuery, origin: str
) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    ordering = parse_order_by(query.order_by, repository.ORDER_COLUMNS, repository.DEFAULT_ORDER)
    conditions = repository.filter_conditions(instance_id, query)
    organization = await get_organization_or_raise(session, instance_id=instance_id, id_or_slug=organization_id)
    data, total = await repository.list_memberships(
        session,
        conditions=[OrganizationMembership.organization_id == organization.id, *conditions],
        ordering=ordering,
        page=query,
        origin=origin,
    )
    return _envelope(data, total)


async def list_user_memberships(
    session: AsyncSession, *, instance_id: str, user_id: str, page: PageQuery, origin: str
) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    if await session.scalar(select(User.id).where(User.instance_id == instance_id, User.id == user_id)) is None:
        raise not_found("user")
    data, total = await repository.list_memberships(
        session,
        conditions=[OrganizationMembership.instance_id == instance_id, OrganizationMembership.user_id == user_id],
        ordering=Ordering(field="created_at", descending=True),
        page=page,
        origin=origin,
    )
    return _envelope(data, total)


async def list_instance_memberships(
    session: AsyncSession, *, instance_id: str, query: OrderedPageQuery, origin: str
) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    ordering = parse_order_by(query.order_by, repository.ORDER_COLUMNS, repository.DEFAULT_ORDER)
    data, total = await repository.list_memberships(
        session,
        conditions=[OrganizationMembership.instance_id == instance_id],
        ordering=ordering,
        page=query,
        origin=origin,
    )
    return _envelope(data, total)
