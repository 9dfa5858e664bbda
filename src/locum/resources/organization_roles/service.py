"""Organization role rules: key format and uniqueness, the instance's role quota, the creator role's
required permissions, and what blocks a deletion. Every operation checks organizations are enabled;
every change first locks the organization settings, so changes of roles run one at a time."""

import re
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_identifier_exists, form_param_format_invalid
from locum.api.pagination import list_body
from locum.db.constraints import flush
from locum.db.models import OrganizationSettings, Permission, Role
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.outbox.events import record
from locum.resources.organization_roles.errors import (
    association_exists,
    association_not_found,
    missing_creator_role_permissions,
    permission_not_found,
    role_assigned_to_members,
    role_in_invitations,
    role_is_creator_role,
    role_is_domain_default_role,
    roles_quota_exceeded,
)
from locum.resources.organization_roles.repository import PermissionRepository, RoleRepository
from locum.resources.organization_roles.schemas import (
    CreateOrganizationRoleBody,
    KeyedListQuery,
    UpdateOrganizationRoleBody,
)
from locum.resources.organization_roles.serializers import deleted_json, is_creator_eligible, role_json
from locum.resources.organizations.lookup import require_enabled
from locum.resources.role_sets.repository import RoleSetRepository

ROLE_KEY_PATTERN = r"org:[a-z0-9_]+"


def _check_key_format(key: str) -> None:
    if re.fullmatch(ROLE_KEY_PATTERN, key) is None:
        raise form_param_format_invalid(
            "key", "key must start with 'org:' followed by lowercase letters, digits or underscores."
        )


async def _check_key_free(roles: RoleRepository, key: str) -> None:
    if await roles.key_taken(key):
        raise form_identifier_exists("key")


async def _permissions_by_id(session: AsyncSession, ctx: RequestContext, ids: Sequence[str]) -> list[Permission]:
    """The permissions named by `ids` (duplicates ignored); an unknown id is a 404, as for a path id."""
    wanted = list(dict.fromkeys(ids))
    by_id = await PermissionRepository(session, ctx.instance_id).by_ids(wanted)
    if len(by_id) != len(wanted):
        raise permission_not_found()
    return [by_id[permission_id] for permission_id in wanted]


async def _is_creator_role(session: AsyncSession, settings: OrganizationSettings, role: Role) -> bool:
    """The instance's creator role, or the creator role of one of its role sets."""
    if settings.creator_role_key == role.key:
        return True
    return await RoleSetRepository(session, settings.instance_id).has_creator_role(role.id)


async def _changed(session: AsyncSession, ctx: RequestContext, role: Role) -> JSON:
    role.updated_at = now_ms()
    await flush(session)
    data = role_json(role)
    record(session, ctx, "role.updated", data)
    return data


async def list_roles(session: AsyncSession, ctx: RequestContext, *, query: KeyedListQuery) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    page = await RoleRepository(session, ctx.instance_id).search(query)
    return list_body([role_json(role) for role in page.items], page.total_count)


async def get_role(session: AsyncSession, ctx: RequestContext, *, role_id: str) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    return role_json(await RoleRepository(session, ctx.instance_id).get_with_permissions(role_id))


async def create_role(session: AsyncSession, ctx: RequestContext, *, body: CreateOrganizationRoleBody) -> JSON:
    settings = await require_enabled(session, instance_id=ctx.instance_id, for_update=True)
    roles = RoleRepository(session, ctx.instance_id)
    _check_key_format(body.key)
    if settings.max_allowed_roles > 0 and await roles.count() >= settings.max_allowed_roles:
        raise roles_quota_exceeded(settings.max_allowed_roles)
    await _check_key_free(roles, body.key)
    permissions = await _permissions_by_id(session, ctx, body.permissions or [])
    role = roles.add(key=body.key, name=body.name, description=body.description, permissions=permissions)
    if body.include_in_initial_role_set:
        role_set = await RoleSetRepository(session, ctx.instance_id).get_initial(settings)
        role_set.roles.append(role)
        role_set.updated_at = role.created_at
    await flush(session)
    data = role_json(role)
    record(session, ctx, "role.created", data)
    return data


async def update_role(
    session: AsyncSession, ctx: RequestContext, *, role_id: str, body: UpdateOrganizationRoleBody
) -> JSON:
    settings = await require_enabled(session, instance_id=ctx.instance_id, for_update=True)
    roles = RoleRepository(session, ctx.instance_id)
    role = await roles.get_with_permissions(role_id)
    if body.key is not None and body.key != role.key:
        _check_key_format(body.key)
        await _check_key_free(roles, body.key)
        # The settings name these roles by key; Clerk carries the new key over.
        if settings.creator_role_key == role.key:
            settings.creator_role_key = body.key
        if settings.domains_default_role_key == role.key:
            settings.domains_default_role_key = body.key
        role.key = body.key
    if body.permissions is not None:
        permissions = await _permissions_by_id(session, ctx, body.permissions)
        if not is_creator_eligible({p.key for p in permissions}) and await _is_creator_role(session, settings, role):
            raise missing_creator_role_permissions()
        role.permissions = permissions
    if body.name is not None:
        role.name = body.name
    if body.description is not None:
        role.description = body.description
    return await _changed(session, ctx, role)


async def delete_role(session: AsyncSession, ctx: RequestContext, *, role_id: str) -> JSON:
    settings = await require_enabled(session, instance_id=ctx.instance_id, for_update=True)
    roles = RoleRepository(session, ctx.instance_id)
    role = await roles.get_with_permissions(role_id, for_delete=True)
    if await _is_creator_role(session, settings, role):
        raise role_is_creator_role()
    if settings.domains_default_role_key == role.key:
        raise role_is_domain_default_role()
    if await roles.held_by_members(role.id):
        raise role_assigned_to_members()
    # Any invitation blocks, not only pending ones: invitations keep their role, and the database
    # refuses to delete a role an invitation references.
    if await roles.held_by_invitations(role.id):
        raise role_in_invitations()
    await session.delete(role)
    await flush(session)
    data = deleted_json("role", role.id)
    record(session, ctx, "role.deleted", data)
    return data


async def _role_and_permission(
    session: AsyncSession, ctx: RequestContext, role_id: str, permission_id: str
) -> tuple[OrganizationSettings, Role, Permission]:
    settings = await require_enabled(session, instance_id=ctx.instance_id, for_update=True)
    role = await RoleRepository(session, ctx.instance_id).get_with_permissions(role_id)
    permission = await PermissionRepository(session, ctx.instance_id).get_or_raise(permission_id)
    return settings, role, permission


async def assign_permission(session: AsyncSession, ctx: RequestContext, *, role_id: str, permission_id: str) -> JSON:
    _, role, permission = await _role_and_permission(session, ctx, role_id, permission_id)
    if any(p.id == permission.id for p in role.permissions):
        raise association_exists()
    role.permissions.append(permission)
    return await _changed(session, ctx, role)


async def remove_permission(session: AsyncSession, ctx: RequestContext, *, role_id: str, permission_id: str) -> JSON:
    settings, role, permission = await _role_and_permission(session, ctx, role_id, permission_id)
    if not any(p.id == permission.id for p in role.permissions):
        raise association_not_found()
    remaining = [p for p in role.permissions if p.id != permission.id]
    if not is_creator_eligible({p.key for p in remaining}) and await _is_creator_role(session, settings, role):
        raise missing_creator_role_permissions()
    role.permissions = remaining
    return await _changed(session, ctx, role)
