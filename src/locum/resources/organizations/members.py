"""Adding a member: shared by organization creation, the memberships API and invitation acceptance."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import not_found
from locum.db.constraints import flush
from locum.db.locking import kept
from locum.db.models import Organization, Role, User
from locum.instances.context import RequestContext
from locum.kit.json_types import JSON
from locum.outbox.events import record
from locum.resources.organizations.errors import already_a_member, membership_quota_exceeded
from locum.resources.organizations.lookup import get_role_with_permissions_or_raise
from locum.resources.organizations.repository import MembershipRepository
from locum.resources.organizations.serializers import membership_json, organization_json
from locum.resources.users.repository import USER_GRAPH


async def check_room_for(session: AsyncSession, organization: Organization, *, additional: int = 1) -> None:
    """Clerk's limit on members; 0 means unlimited."""
    limit = organization.max_allowed_memberships
    if limit <= 0:
        return
    members = await MembershipRepository(session, organization.instance_id).count(organization_id=organization.id)
    if members + additional > limit:
        raise membership_quota_exceeded(limit)


async def add_membership(
    session: AsyncSession,
    ctx: RequestContext,
    organization: Organization,
    *,
    user_id: str,
    role: Role,
    public_metadata: dict[str, Any] | None = None,
    private_metadata: dict[str, Any] | None = None,
) -> JSON:
    """Make `user_id` a member with `role`, recording organizationMembership.created.

    The caller must hold the organization row locked (get_organization_or_raise(for_update=True)) so
    that concurrent additions can't pass the membership limit together on PostgreSQL; SQLite
    serializes writers anyway. The user and the role are kept (db/locking.py) until commit, so that
    neither can be deleted under the new membership. Unknown user -> 404; already a member -> 400;
    over the limit -> 403.
    """
    user = await session.scalar(
        kept(select(User).where(User.instance_id == ctx.instance_id, User.id == user_id).options(*USER_GRAPH))
    )
    if user is None:
        raise not_found("user")
    memberships = MembershipRepository(session, ctx.instance_id)
    if await memberships.exists(organization_id=organization.id, user_id=user_id):
        raise already_a_member()
    await check_room_for(session, organization)
    loaded_role = await get_role_with_permissions_or_raise(session, instance_id=ctx.instance_id, role=role)
    membership = memberships.add(
        organization_id=organization.id,
        user_id=user_id,
        role_id=role.id,
        public_metadata=public_metadata or {},
        private_metadata=private_metadata or {},
    )
    await flush(session)
    data = membership_json(
        membership,
        organization=organization_json(organization, origin=ctx.origin),
        role=loaded_role,
        user=user,
        origin=ctx.origin,
    )
    record(session, ctx, "organizationMembership.created", data)
    return data
