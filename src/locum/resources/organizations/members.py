"""Adding a member: shared by organization creation, the memberships API and invitation acceptance."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from locum.api.errors import ClerkError, not_found
from locum.db.constraints import flush
from locum.db.locking import kept
from locum.db.models import Organization, OrganizationMembership, Role, User
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.outbox.events import record_for
from locum.resources.organizations.lookup import role_not_found
from locum.resources.organizations.serializers import JSON, membership_json, organization_json
from locum.resources.users.repository import USER_GRAPH


def already_a_member() -> ClerkError:
    return ClerkError(
        400, "already_a_member_in_organization", "Already a member", "The user is already a member of the organization."
    )


def membership_quota_exceeded(limit: int) -> ClerkError:
    return ClerkError(
        403,
        "organization_membership_quota_exceeded",
        "Membership quota exceeded",
        f"The organization has reached its limit of {limit} memberships.",
    )


async def members_count(session: AsyncSession, *, organization_id: str) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(OrganizationMembership)
        .where(OrganizationMembership.organization_id == organization_id)
    )
    return int(count or 0)


async def check_room_for(session: AsyncSession, organization: Organization, *, additional: int = 1) -> None:
    """Clerk's limit on members; 0 means unlimited."""
    limit = organization.max_allowed_memberships
    if limit > 0 and await members_count(session, organization_id=organization.id) + additional > limit:
        raise membership_quota_exceeded(limit)


async def add_membership(
    session: AsyncSession,
    *,
    organization: Organization,
    user_id: str,
    role: Role,
    origin: str,
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
        kept(select(User).where(User.instance_id == organization.instance_id, User.id == user_id).options(*USER_GRAPH))
    )
    if user is None:
        raise not_found("user")
    existing = await session.scalar(
        select(OrganizationMembership.id).where(
            OrganizationMembership.organization_id == organization.id, OrganizationMembership.user_id == user_id
        )
    )
    if existing is not None:
        raise already_a_member()
    await check_room_for(session, organization)
    loaded_role = (
        await session.scalars(kept(select(Role).where(Role.id == role.id).options(selectinload(Role.permissions))))
    ).one_or_none()
    if loaded_role is None:
        raise role_not_found(role.key)
    at_ms = now_ms()
    membership = OrganizationMembership(
        id=new_id("organization_membership"),
        instance_id=organization.instance_id,
        organization_id=organization.id,
        user_id=user_id,
        role_id=role.id,
        public_metadata=public_metadata or {},
        private_metadata=private_metadata or {},
        created_at=at_ms,
        updated_at=at_ms,
    )
    session.add(membership)
    await flush(session)
    data = membership_json(
        membership,
        organization=organization_json(organization, origin=origin),
        role=loaded_role,
        user=user,
        origin=origin,
    )
    record_for(session, instance_id=organization.instance_id, type="organizationMembership.created", data=data)
    return data
