"""Organization memberships: add, change the role, remove, merge metadata, and the three lists.

Memberships are addressed by organization (id or slug) and user id. The last member whose role
can manage members (org:sys_memberships:manage) can be neither removed nor demoted; changes lock
the organization row first, so two concurrent changes can't both pass that check (nor the
membership limit, on creation).
"""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.bodies import merge_metadata_fields
from locum.api.errors import not_found
from locum.api.ordering import NEWEST_FIRST, Ordering, parse_order_by
from locum.api.pagination import Page, PageQuery, list_body
from locum.db.constraints import flush
from locum.db.models import OrganizationMembership, Role, User
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.outbox.events import record
from locum.resources.organization_memberships.errors import minimum_permissions_needed
from locum.resources.organization_memberships.repository import DEFAULT_ORDER, ORDER_COLUMNS, MembershipListRepository
from locum.resources.organization_memberships.schemas import (
    CreateMembershipBody,
    MembershipListQuery,
    MembershipMetadataBody,
    OrderedPageQuery,
)
from locum.resources.organizations.lookup import (
    enabled_organization_or_raise,
    get_organization_or_raise,
    get_role_by_key_or_raise,
    get_role_with_permissions_or_raise,
    require_enabled,
)
from locum.resources.organizations.members import add_membership
from locum.resources.organizations.repository import MANAGE_MEMBERSHIPS, MembershipRepository, OrganizationRepository
from locum.resources.organizations.serializers import membership_json, organization_json, role_permission_keys


async def _render(
    session: AsyncSession, ctx: RequestContext, memberships: Sequence[OrganizationMembership]
) -> list[JSON]:
    """Clerk's JSON for memberships loaded with their roles and permissions: the page's users and
    organizations are loaded in one query each."""
    if not memberships:
        return []
    users = await MembershipListRepository(session, ctx.instance_id).users_by_id({m.user_id for m in memberships})
    organizations = await OrganizationRepository(session, ctx.instance_id).by_ids(
        {m.organization_id for m in memberships}
    )
    organization_data = {id: organization_json(o, origin=ctx.origin) for id, o in organizations.items()}
    return [
        membership_json(
            m,
            organization=organization_data[m.organization_id],
            role=m.role,
            user=users[m.user_id],
            origin=ctx.origin,
        )
        for m in memberships
    ]


async def create_membership(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, body: CreateMembershipBody
) -> JSON:
    organization = await enabled_organization_or_raise(
        session, instance_id=ctx.instance_id, id_or_slug=organization_id, for_update=True
    )
    role = await get_role_by_key_or_raise(session, instance_id=ctx.instance_id, key=body.role)
    return await add_membership(
        session,
        ctx,
        organization,
        user_id=body.user_id,
        role=role,
        public_metadata=body.public_metadata,
        private_metadata=body.private_metadata,
    )


async def _locked_membership(
    session: AsyncSession, ctx: RequestContext, organization_id: str, user_id: str
) -> OrganizationMembership:
    """The membership (role and permissions loaded) locked, its organization locked first; a user
    who is unknown or not a member is a 404 either way."""
    organization = await enabled_organization_or_raise(
        session, instance_id=ctx.instance_id, id_or_slug=organization_id, for_update=True
    )
    # Locked too: a user's deletion removes its memberships without the organization's lock.
    memberships = MembershipRepository(session, ctx.instance_id)
    return await memberships.locked_or_raise(organization_id=organization.id, user_id=user_id)


def _can_manage_members(role: Role) -> bool:
    return MANAGE_MEMBERSHIPS in role_permission_keys(role)


async def _ensure_another_manager(
    session: AsyncSession, ctx: RequestContext, membership: OrganizationMembership
) -> None:
    """Refuse to take away the organization's last member who can manage members."""
    if not await MembershipRepository(session, ctx.instance_id).other_managers(membership):
        raise minimum_permissions_needed()


async def _render_one(session: AsyncSession, ctx: RequestContext, membership: OrganizationMembership) -> JSON:
    (data,) = await _render(session, ctx, [membership])
    return data


async def _save(session: AsyncSession, ctx: RequestContext, membership: OrganizationMembership) -> JSON:
    membership.updated_at = now_ms()
    await flush(session)
    data = await _render_one(session, ctx, membership)
    record(session, ctx, "organizationMembership.updated", data)
    return data


async def update_membership_role(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, user_id: str, role_key: str
) -> JSON:
    membership = await _locked_membership(session, ctx, organization_id, user_id)
    role = await get_role_by_key_or_raise(session, instance_id=ctx.instance_id, key=role_key)
    role = await get_role_with_permissions_or_raise(session, instance_id=ctx.instance_id, role=role)
    if _can_manage_members(membership.role) and not _can_manage_members(role):
        await _ensure_another_manager(session, ctx, membership)
    membership.role_id = role.id
    membership.role = role
    return await _save(session, ctx, membership)


async def update_membership_metadata(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, user_id: str, body: MembershipMetadataBody
) -> JSON:
    membership = await _locked_membership(session, ctx, organization_id, user_id)
    merge_metadata_fields(membership, body, ("public_metadata", "private_metadata"))
    return await _save(session, ctx, membership)


async def delete_membership(session: AsyncSession, ctx: RequestContext, *, organization_id: str, user_id: str) -> JSON:
    """Remove the member; Clerk answers with the membership as it was, and the event carries it too."""
    membership = await _locked_membership(session, ctx, organization_id, user_id)
    if _can_manage_members(membership.role):
        await _ensure_another_manager(session, ctx, membership)
    data = await _render_one(session, ctx, membership)
    await session.delete(membership)
    await flush(session)
    record(session, ctx, "organizationMembership.deleted", data)
    return data


async def _list(
    session: AsyncSession,
    ctx: RequestContext,
    conditions: list[ColumnElement[bool]],
    *,
    ordering: Ordering,
    page: PageQuery,
) -> JSON:
    found: Page[OrganizationMembership] = await MembershipListRepository(session, ctx.instance_id).page(
        conditions, ordering=ordering, page=page
    )
    return list_body(await _render(session, ctx, found.items), found.total_count)


async def list_organization_memberships(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, query: MembershipListQuery
) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    ordering = parse_order_by(query.order_by, ORDER_COLUMNS, DEFAULT_ORDER)
    conditions = MembershipListRepository(session, ctx.instance_id).filter_conditions(query)
    organization = await get_organization_or_raise(session, instance_id=ctx.instance_id, id_or_slug=organization_id)
    in_organization = OrganizationMembership.organization_id == organization.id
    return await _list(session, ctx, [in_organization, *conditions], ordering=ordering, page=query)


async def list_user_memberships(session: AsyncSession, ctx: RequestContext, *, user_id: str, page: PageQuery) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    if await session.scalar(select(User.id).where(User.instance_id == ctx.instance_id, User.id == user_id)) is None:
        raise not_found("user")
    of_user = OrganizationMembership.user_id == user_id
    return await _list(session, ctx, [of_user], ordering=NEWEST_FIRST, page=page)


async def list_instance_memberships(session: AsyncSession, ctx: RequestContext, *, query: OrderedPageQuery) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    ordering = parse_order_by(query.order_by, ORDER_COLUMNS, DEFAULT_ORDER)
    return await _list(session, ctx, [], ordering=ordering, page=query)
