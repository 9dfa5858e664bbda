"""Organization permission rules: key format (`org:<feature>:<action>`, `org:sys_` reserved),
uniqueness, and system permissions that can't be changed. Every operation checks organizations are
enabled; every change first locks the organization settings, as changes of roles do."""

import re

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_identifier_exists, form_param_format_invalid, form_param_value_invalid
from locum.api.pagination import list_body
from locum.db.constraints import flush
from locum.db.models import Permission
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.outbox.events import record
from locum.resources.organization_roles.errors import system_permission_not_modifiable
from locum.resources.organization_roles.repository import PermissionRepository
from locum.resources.organization_roles.schemas import (
    CreateOrganizationPermissionBody,
    KeyedListQuery,
    UpdateOrganizationPermissionBody,
)
from locum.resources.organization_roles.serializers import deleted_json, permission_json
from locum.resources.organizations.lookup import require_enabled

PERMISSION_KEY_PATTERN = r"org:[a-z0-9_]+:[a-z0-9_]+"
SYSTEM_KEY_PREFIX = "org:sys_"
SYSTEM_TYPE = "system"


async def _check_key(permissions: PermissionRepository, key: str) -> None:
    if re.fullmatch(PERMISSION_KEY_PATTERN, key) is None:
        raise form_param_format_invalid(
            "key", "key must have the format 'org:<feature>:<action>' (lowercase letters, digits or underscores)."
        )
    if key.startswith(SYSTEM_KEY_PREFIX):
        raise form_param_value_invalid("key", "The 'org:sys_' prefix is reserved for system permissions.")
    if await permissions.key_taken(key):
        raise form_identifier_exists("key")


async def _modifiable(session: AsyncSession, ctx: RequestContext, permission_id: str) -> Permission:
    await require_enabled(session, instance_id=ctx.instance_id, for_update=True)
    permission = await PermissionRepository(session, ctx.instance_id).get_or_raise(permission_id)
    if permission.type == SYSTEM_TYPE:
        raise system_permission_not_modifiable()
    return permission


async def list_permissions(session: AsyncSession, ctx: RequestContext, *, query: KeyedListQuery) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    page = await PermissionRepository(session, ctx.instance_id).search(query)
    return list_body([permission_json(permission) for permission in page.items], page.total_count)


async def get_permission(session: AsyncSession, ctx: RequestContext, *, permission_id: str) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    return permission_json(await PermissionRepository(session, ctx.instance_id).get_or_raise(permission_id))


async def create_permission(
    session: AsyncSession, ctx: RequestContext, *, body: CreateOrganizationPermissionBody
) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id, for_update=True)
    permissions = PermissionRepository(session, ctx.instance_id)
    await _check_key(permissions, body.key)
    permission = permissions.add(key=body.key, name=body.name, description=body.description, type="user")
    await flush(session)
    data = permission_json(permission)
    record(session, ctx, "permission.created", data)
    return data


async def update_permission(
    session: AsyncSession, ctx: RequestContext, *, permission_id: str, body: UpdateOrganizationPermissionBody
) -> JSON:
    permission = await _modifiable(session, ctx, permission_id)
    if body.key is not None and body.key != permission.key:
        await _check_key(PermissionRepository(session, ctx.instance_id), body.key)
        permission.key = body.key
    if body.name is not None:
        permission.name = body.name
    if body.description is not None:
        permission.description = body.description
    permission.updated_at = now_ms()
    await flush(session)
    data = permission_json(permission)
    record(session, ctx, "permission.updated", data)
    return data


async def delete_permission(session: AsyncSession, ctx: RequestContext, *, permission_id: str) -> JSON:
    permission = await _modifiable(session, ctx, permission_id)
    # Roles lose it with the row (role_permissions cascades).
    await session.delete(permission)
    await flush(session)
    data = deleted_json("permission", permission.id)
    record(session, ctx, "permission.deleted", data)
    return data
