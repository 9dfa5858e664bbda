"""Organization permission rules: key format (`org:<feature>:<action>`, `org:sys_` reserved),
uniqueness, and system permissions that can't be changed. Every operation checks organizations are
enabled; every change first locks the organization settings, as changes of roles do."""

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import (
    ClerkError,
    form_identifier_exists,
    form_param_format_invalid,
    form_param_value_invalid,
    not_found,
)
from locum.db.constraints import flush
from locum.db.models import Permission
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.outbox.events import record_for
from locum.resources.organization_roles.listing import list_page
from locum.resources.organization_roles.schemas import (
    CreateOrganizationPermissionBody,
    RoleListParams,
    UpdateOrganizationPermissionBody,
)
from locum.resources.organization_roles.serializers import JSON, deleted_json, permission_json
from locum.resources.organizations.lookup import require_enabled

PERMISSION_KEY_PATTERN = r"org:[a-z0-9_]+:[a-z0-9_]+"
SYSTEM_KEY_PREFIX = "org:sys_"
SYSTEM_TYPE = "system"


def system_permission_not_modifiable() -> ClerkError:
    return ClerkError(
        403,
        "organization_system_permission_not_modifiable",
        "organization system permission cannot be modified",
        "This organization permission cannot be modified because it is a system permission.",
    )


def validate_permission_key(key: str) -> None:
    if re.fullmatch(PERMISSION_KEY_PATTERN, key) is None:
        raise form_param_format_invalid(
            "key", "key must have the format 'org:<feature>:<action>' (lowercase letters, digits or underscores)."
        )
    if key.startswith(SYSTEM_KEY_PREFIX):
        raise form_param_value_invalid("key", "The 'org:sys_' prefix is reserved for system permissions.")


async def get_permission_or_raise(session: AsyncSession, *, instance_id: str, permission_id: str) -> Permission:
    permission = await session.scalar(
        select(Permission).where(Permission.instance_id == instance_id, Permission.id == permission_id)
    )
    if permission is None:
        raise not_found("permission")
    return permission


async def _ensure_key_free(session: AsyncSession, *, instance_id: str, key: str) -> None:
    taken = await session.scalar(
        select(Permission.id).where(Permission.instance_id == instance_id, Permission.key == key)
    )
    if taken is not None:
        raise form_identifier_exists("key")


async def _modifiable(session: AsyncSession, *, instance_id: str, permission_id: str) -> Permission:
    await require_enabled(session, instance_id=instance_id, for_update=True)
    permission = await get_permission_or_raise(session, instance_id=instance_id, permission_id=permission_id)
    if permission.type == SYSTEM_TYPE:
        raise system_permission_not_modifiable()
    return permission


async def list_permissions(session: AsyncSession, *, instance_id: str, params: RoleListParams) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    permissions, total = await list_page(session, Permission, instance_id=instance_id, params=params)
    return {"data": [permission_json(p) for p in permissions], "total_count": total}


async def get_permission(session: AsyncSession, *, instance_id: str, permission_id: str) -> JSON:
    await require_enabled(session, instance_id=instance_id)
    return permission_json(await get_permission_or_raise(session, instance_id=instance_id, permission_id=permission_id))


async def create_permission(session: AsyncSession, *, instance_id: str, body: CreateOrganizationPermissionBody) -> JSON:
    await require_enabled(session, instance_id=instance_id, for_update=True)
    validate_permission_key(body.key)
    await _ensure_key_free(session, instance_id=instance_id, key=body.key)
    at_ms = now_ms()
    permission = Permission(
        id=new_id("permission"),
        instance_id=instance_id,
        key=body.key,
        name=body.name,
        description=body.description,
        type="user",
        created_at=at_ms,
        updated_at=at_ms,
    )
    session.add(permission)
    await flush(session)
    data = permission_json(permission)
    record_for(session, instance_id=instance_id, type="permission.created", data=data)
    return data


async def update_permission(
    session: AsyncSession, *, instance_id: str, permission_id: str, body: UpdateOrganizationPermissionBody
) -> JSON:
    permission = await _modifiable(session, instance_id=instance_id, permission_id=permission_id)
    if body.key is not None and body.key != permission.key:
        validate_permission_key(body.key)
        await _ensure_key_free(session, instance_id=instance_id, key=body.key)
        permission.key = body.key
    if body.name is not None:
        permission.name = body.name
    if body.description is not None:
        permission.description = body.description
    permission.updated_at = now_ms()
    await flush(session)
    data = permission_json(permission)
    record_for(session, instance_id=instance_id, type="permission.updated", data=data)
    return data


async def delete_permission(session: AsyncSession, *, instance_id: str, permission_id: str) -> JSON:
    permission = await _modifiable(session, instance_id=instance_id, permission_id=permission_id)
    # Roles lose it with the row (role_permissions cascades).
    await session.delete(permission)
    await flush(session)
    data = deleted_json("permission", permission.id)
    record_for(session, instance_id=instance_id, type="permission.deleted", data=data)
    return data
