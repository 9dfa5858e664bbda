"""What every instance starts with: Clerk's system permissions, the `org:admin` and `org:member`
roles, the initial role set and the organization settings.

Seeded when an instance is created (instances/service.py); the organization resources read the
constants (the creator role's required permissions, the initial role set's key).
"""

from typing import Any

from sqlalchemy import bindparam, column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from locum.kit.clock import now_ms
from locum.kit.ids import new_id

SYSTEM_PERMISSIONS = {
    "org:sys_profile:manage": "Manage organization",
    "org:sys_profile:delete": "Delete organization",
    "org:sys_memberships:read": "Read members",
    "org:sys_memberships:manage": "Manage members",
    "org:sys_domains:read": "Read domains",
    "org:sys_domains:manage": "Manage domains",
    "org:sys_billing:read": "Read billing",
    "org:sys_billing:manage": "Manage billing",
    "org:sys_entconns:manage": "Manage enterprise connections",
}
ADMIN_ROLE = "org:admin"
MEMBER_ROLE = "org:member"
DEFAULT_ROLES = {
    ADMIN_ROLE: ("Admin", "Offers full access to organization resources", list(SYSTEM_PERMISSIONS)),
    MEMBER_ROLE: (
        "Member",
        "Offers read access to organization resources",
        ["org:sys_memberships:read", "org:sys_billing:read"],
    ),
}
# A role can be the creator role only with these (Clerk's rule).
CREATOR_PERMISSIONS = frozenset({"org:sys_memberships:manage", "org:sys_memberships:read", "org:sys_profile:delete"})
INITIAL_ROLE_SET_KEY = "role_set:default"
# Whether an instance has its defaults (every start asks) without the organizations' models, which
# a start does not otherwise register (db/models/__init__.py).
_SETTINGS = table("organization_settings", column("instance_id"))
_HAS_DEFAULTS = select(_SETTINGS.c.instance_id).where(_SETTINGS.c.instance_id == bindparam("instance_id"))


async def ensure_organization_defaults(session: AsyncSession, *, instance_id: str) -> None:
    """Seed the instance's organization defaults once; a no-op when they exist."""
    if await session.scalar(_HAS_DEFAULTS, {"instance_id": instance_id}) is not None:
        return
    from locum.db.models import OrganizationSettings, Permission, Role, RoleSet

    at_ms = now_ms()

    def row(model: Any, kind: str, *, created_at: int = at_ms, **values: Any) -> Any:
        return model(id=new_id(kind), instance_id=instance_id, created_at=created_at, updated_at=created_at, **values)

    permissions = {
        key: row(
            Permission,
            "permission",
            key=key,
            name=name,
            description=f"Permission to {name.lower()}.",
            type="system",
            # a millisecond apart, so lists ordered by creation keep Clerk's order; the last one now,
            # none later (a permission created in the next milliseconds is newer than all of them)
            created_at=at_ms - len(SYSTEM_PERMISSIONS) + 1 + position,
        )
        for position, (key, name) in enumerate(SYSTEM_PERMISSIONS.items())
    }
    roles = {
        key: row(
            Role, "role", key=key, name=name, description=description, permissions=[permissions[p] for p in granted]
        )
        for key, (name, description, granted) in DEFAULT_ROLES.items()
    }
    session.add_all([*permissions.values(), *roles.values()])
    session.add(
        row(
            RoleSet,
            "role_set",
            key=INITIAL_ROLE_SET_KEY,
            name="Default role set",
            description="The roles every organization starts with.",
            type="initial",
            default_role_id=roles[MEMBER_ROLE].id,
            creator_role_id=roles[ADMIN_ROLE].id,
            roles=list(roles.values()),
        )
    )
    session.add(
        OrganizationSettings(
            instance_id=instance_id, initial_role_set_key=INITIAL_ROLE_SET_KEY, domains_enrollment_modes=[]
        )
    )
    await session.flush()
