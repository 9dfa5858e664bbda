"""Look-ups every organization operation shares, here and in the role, role set, instance settings
and sign-in token groups: settings (and the enabled gate), an organization by id or slug, a role by
key. Each reads one instance's rows (`instance_id` is the instance the caller acts for)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from locum.db.locking import kept, locked
from locum.db.models import Organization, OrganizationSettings, Role
from locum.resources.organizations.errors import organizations_not_enabled, role_not_found
from locum.resources.organizations.repository import OrganizationRepository


async def get_settings(session: AsyncSession, *, instance_id: str, for_update: bool = False) -> OrganizationSettings:
    """The instance's organization settings; `for_update` locks them until commit, which every change
    of the organization configuration (settings, roles, permissions, role sets) does first, so those
    changes run one at a time per instance."""
    if not for_update:
        return await session.get_one(OrganizationSettings, instance_id)
    return (
        await session.scalars(
            locked(select(OrganizationSettings).where(OrganizationSettings.instance_id == instance_id))
        )
    ).one()


async def require_enabled(session: AsyncSession, *, instance_id: str, for_update: bool = False) -> OrganizationSettings:
    """The settings, or Clerk's 403 when organizations are switched off for the instance."""
    settings = await get_settings(session, instance_id=instance_id, for_update=for_update)
    if not settings.enabled:
        raise organizations_not_enabled()
    return settings


async def get_organization_or_raise(
    session: AsyncSession, *, instance_id: str, id_or_slug: str, for_update: bool = False
) -> Organization:
    """An organization by id or slug (Clerk accepts both). `for_update` locks its row until commit:
    changes of the organization, and of its memberships, invitations and domains, take that lock
    first, so they see each other's results (metadata merges, membership limits, the last admin)."""
    organizations = OrganizationRepository(session, instance_id)
    statement = organizations.matching(id_or_slug)
    organization = await session.scalar(locked(statement) if for_update else statement)
    if organization is None:
        raise organizations.not_found(id_or_slug)
    return organization


async def enabled_organization_or_raise(
    session: AsyncSession, *, instance_id: str, id_or_slug: str, for_update: bool = False
) -> Organization:
    """How an operation on one organization begins: the enabled gate, then the organization."""
    await require_enabled(session, instance_id=instance_id)
    return await get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=id_or_slug, for_update=for_update
    )


async def get_role_by_key(session: AsyncSession, *, instance_id: str, key: str) -> Role | None:
    """The role, kept (db/locking.py) until commit: callers grant it to a new membership or
    invitation, whose reference must not lose the role to a concurrent deletion."""
    return await session.scalar(kept(select(Role).where(Role.instance_id == instance_id, Role.key == key)))


async def get_role_by_key_or_raise(session: AsyncSession, *, instance_id: str, key: str, param: str = "role") -> Role:
    role = await get_role_by_key(session, instance_id=instance_id, key=key)
    if role is None:
        raise role_not_found(key, param=param)
    return role


async def get_role_with_permissions_or_raise(session: AsyncSession, *, instance_id: str, role: Role) -> Role:
    """`role` read again with its permissions, and kept as get_role_by_key keeps it."""
    statement = select(Role).where(Role.instance_id == instance_id, Role.id == role.id)
    loaded = await session.scalar(kept(statement.options(selectinload(Role.permissions))))
    if loaded is None:
        raise role_not_found(role.key)
    return loaded
