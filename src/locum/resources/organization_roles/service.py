"""Organization role rules: key format and uniqueness, the instance's role quota, the creator role's
required permissions, and what blocks a deletion. Every operation checks organizations are enabled;
every change first locks the organization settings, so changes of roles run one at a time."""

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from locum.api.errors import ClerkError, form_identifier_exists, form_param_format_invalid, not_found
from locum.db.constraints import flush
from locum.db.locking import locked_for_delete
from locum.db.models import (
    OrganizationInvitation,
    OrganizationMembership,
    OrganizationSettings,
    Permission,
    Role,
    RoleSet,
)
from locum.instances.organization_defaults import CREATOR_PERMISSIONS
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.outbox.events import record_for
from locum.resources.organization_roles.listing import list_page
from locum.resources.organization_roles.permissions import get_permission_or_raise
from locum.resources.organization_roles.schemas import (
    CreateOrganizationRoleBody,
    RoleListParams,
    UpdateOrganizationRoleBody,
)
from locum.resources.organization_roles.serializers import JSON, deleted_json, is_creator_eligible, role_json
from locum.resources.organizations.lookup import require_enabled

ROLE_KEY_PATTERN = r"org:[a-z0-9_]+"
WITH_PERMISSIONS = (selectinload(Role.permissions),)


def roles_quota_exceeded(limit: int) -> ClerkError:
    return ClerkError(
        403,
        "organization_instance_roles_quota_exceeded",
        "organization roles for instance quota exceeded",
        f"You have reached your limit of {limit} organization roles per instance.",
    )


def missing_creator_role_permissions() -> ClerkError:
    return ClerkError(
        422,
        "organization_missing_creator_role_permissions",
        "missing permissions for creator role",
        f"The creator role must contain the following permissions: {', '.join(sorted(CREATOR_PERMISSIONS))}",
    )


def role_is_creator_role() -> ClerkError:
    return ClerkError(
        422,
        "organization_role_default_creator_role",
        "role is used as the creator role",
        "The organization role cannot be deleted as it is currently used as the creator role.",
    )


def role_is_domain_default_role() -> ClerkError:
    return ClerkError(
        422,
        "organization_role_domain_default_role",
        "role is used as the domain default role",
        "The organization role cannot be deleted as it is currently used as the default domain role.",
    )


def role_assigned_to_members() -> ClerkError:
    return ClerkError(
        422,
        "organization_role_assigned_members",
        "role is assigned to organization members",
        "The organization role is currently assigned to one or more organization members.",
    )


def role_in_invitations() -> ClerkError:
    return ClerkError(
        422,
        "organization_role_exists_in_invitations",
        "role exists in pending organization invitations",
        "The organization role exists in one or more pending organization invitations. "
        "Please revoke these invitations to proceed.",
    )


def association_exists() -> ClerkError:
    return ClerkError(
        409,
        "organization_role_permission_association_exists",
        "permission already assigned to role",
        "This organization permission is already associated to this organization role.",
    )


def association_not_found() -> ClerkError:
    return ClerkError(
        404,
        "organization_role_permission_association_not_found",
        "permission not assigned to role",
        "This organization permission is not associated to this organization role.",
    )


def validate_role_key(key: str) -> None:
    if re.fullmatch(ROLE_KEY_PATTERN, key) is None:
        raise form_param_format_invalid(
            "key", "key must start with 'org:' followed by lowercase letters, digits or underscores."
        )


async def get_role_or_raise(session: AsyncSession, *, instance_id: str, role_id: str, for_delete: bool = False) -> Role:
    """The role with its permissions. `for_delete` locks it against the memberships and invitations
    being granted it meanwhile (they keep the role, see db/locking.py), so that the checks before a
    deletion see every holder."""
    statement = select(Role).where(Role.instance_id == instance_id, Role.id == role_id).options(*WITH_PERMISSIONS)
    role = await session.scalar(locked_for_delete(statement) if for_delete else statement)
    if role is None:
        raise not_found("organization role")
    return role


async def _ensure_key_free(session: AsyncSession, *, instance_id: str, key: str) -> None:
    if await session.scalar(select(Role.id).where(Role.instance_id == instance_id, Role.key == key)) is not None:
        raise form_identifier_exists("key")


async def _permissions_by_id(session: AsyncSession, *, instance_id: str, ids: list[str]) -> list[Permission]:
    """The permissions named by `ids` (duplicates ignored); an unknown id is a 404, as for a path id."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = await session.scalars(
        select(Permission).where(Permission.instance_id == instance_id, Permission.id.in_(wanted))
    )
    by_id = {permission.id: permission for permission in found}
    if len(by_id) != len(wanted):
        raise not_found("permission")
    return [by_id[permission_id] for permission_id in wanted]


async def _is_creator_role(session: AsyncSession, settings: OrganizationSettings, role: Role) -> bool:
    """The instance's creator role, or the creator role of one of its role sets."""
    if settings.creator_role_key == role.key:
        return True
    role_set = await session.scalar(
        select(RoleSet.id).where(RoleSet.instance_id == role.instance_id, RoleSet.creator_role_id == role.id).limit(1)
    )
    return role_set is not None


async def _changed(session: AsyncSession, role: Role) -> JSON:
    role.updated_at = now_ms()
    await flush(session)
    data = role_json(role)
    record_for(session, instance_id=role.instance_id, type="role.updated", data=data)
    return data


async def list_roles(session: AsyncSession, *, instance_id: str, params: RoleListParams) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    roles, total = await list_page(session, Role, instance_id=instance_id, params=params, options=WITH_PERMISSIONS)
    return {"data": [role_json(role) for role in roles], "total_count": total}


async def get_role(session: AsyncSession, *, instance_id: str, role_id: str) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    return role_json(await get_role_or_raise(session, instance_id=instance_id, role_id=role_id))


async def create_role(session: AsyncSession, *, instance_id: str, body: CreateOrganizationRoleBody) -> JSON:
    settings = await require_enabled(session, instance_id=instance_id, for_update=True)
    validate_role_key(body.key)
    count = await session.scalar(select(func.count()).select_from(Role).where(Role.instance_id == instance_id))
    if settings.max_allowed_roles > 0 and int(count or 0) >= settings.max_allowed_roles:
        raise roles_quota_exceeded(settings.max_allowed_roles)
    await _ensure_key_free(session, instance_id=instance_id, key=body.key)
    permissions = await _permissions_by_id(session, instance_id=instance_id, ids=body.permissions or [])
    at_ms = now_ms()
    role = Role(
        id=new_id("role"),
        instance_id=instance_id,
        key=body.key,
        name=body.name,
        description=body.description,
        permissions=permissions,
        created_at=at_ms,
        updated_at=at_ms,
    )
    session.add(role)
    if body.include_in_initial_role_set:
        role_set = await session.scalar(
            select(RoleSet)
            .where(RoleSet.instance_id == instance_id, RoleSet.key == settings.initial_role_set_key)
            .options(selectinload(RoleSet.roles))
        )
        if role_set is None:
            raise not_found("role set")
        role_set.roles.append(role)
        role_set.updated_at = at_ms
    await flush(session)
    data = role_json(role)
    record_for(session, instance_id=instance_id, type="role.created", data=data)
    return data


async def update_role(
    session: AsyncSession, *, instance_id: str, role_id: str, body: UpdateOrganizationRoleBody
) -> JSON:
    settings = await require_enabled(session, instance_id=instance_id, for_update=True)
    role = await get_role_or_raise(session, instance_id=instance_id, role_id=role_id)
    if body.key is not None and body.key != role.key:
        validate_role_key(body.key)
        await _ensure_key_free(session, instance_id=instance_id, key=body.key)
        # The settings name these roles by key; Clerk carries the new key over.
        if settings.creator_role_key == role.key:
            settings.creator_role_key = body.key
        if settings.domains_default_role_key == role.key:
            settings.domains_default_role_key = body.key
        role.key = body.key
    if body.permissions is not None:
        permissions = await _permissions_by_id(session, instance_id=instance_id, ids=body.permissions)
        if not is_creator_eligible({p.key for p in permissions}) and await _is_creator_role(session, settings, role):
            raise missing_creator_role_permissions()
        role.permissions = permissions
    if body.name is not None:
        role.name = body.name
    if body.description is not None:
        role.description = body.description
    return await _changed(session, role)


async def delete_role(session: AsyncSession, *, instance_id: str, role_id: str) -> JSON:
    settings = await require_enabled(session, instance_id=instance_id, for_update=True)
    role = await get_role_or_raise(session, instance_id=instance_id, role_id=role_id, for_delete=True)
    if await _is_creator_role(session, settings, role):
        raise role_is_creator_role()
    if settings.domains_default_role_key == role.key:
        raise role_is_domain_default_role()
    membership = select(OrganizationMembership.id).where(OrganizationMembership.role_id == role.id).limit(1)
    if await session.scalar(membership) is not None:
        raise role_assigned_to_members()
    # Any invitation blocks, not only pending ones: invitations keep their role, and the database
    # refuses to delete a role an invitation references.
    invitation = select(OrganizationInvitation.id).where(OrganizationInvitation.role_id == role.id).limit(1)
    if await session.scalar(invitation) is not None:
        raise role_in_invitations()
    await session.delete(role)
    await flush(session)
    data = deleted_json("role", role.id)
    record_for(session, instance_id=instance_id, type="role.deleted", data=data)
    return data


async def assign_permission(session: AsyncSession, *, instance_id: str, role_id: str, permission_id: str) -> JSON:
    await require_enabled(session, instance_id=instance_id, for_update=True)
    role = await get_role_or_raise(session, instance_id=instance_id, role_id=role_id)
    permission = await get_permission_or_raise(session, instance_id=instance_id, permission_id=permission_id)
    if any(p.id == permission.id for p in role.permissions):
        raise association_exists()
    role.permissions.append(permission)
    return await _changed(session, role)


async def remove_permission(session: AsyncSession, *, instance_id: str, role_id: str, permission_id: str) -> JSON:
    settings = await require_enabled(session, instance_id=instance_id, for_update=True)
    role = await get_role_or_raise(session, instance_id=instance_id, role_id=role_id)
    permission = await get_permission_or_raise(session, instance_id=instance_id, permission_id=permission_id)
    if not any(p.id == permission.id for p in role.permissions):
        raise association_not_found()
    remaining = [p for p in role.permissions if p.id != permission.id]
    if not is_creator_eligible({p.key for p in remaining}) and await _is_creator_role(session, settings, role):
        raise missing_creator_role_permissions()
    role.permissions = remaining
    return await _changed(session, role)
