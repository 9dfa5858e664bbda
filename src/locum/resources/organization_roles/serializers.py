"""Roles and permissions as Clerk renders them (the spec's Role, Permission and DeletedObject)."""

from locum.db.models import Permission, Role
from locum.instances.organization_defaults import CREATOR_PERMISSIONS
from locum.kit.json_types import JSON, columns


def permission_json(permission: Permission) -> JSON:
    return {
        "object": "permission",
        **columns(permission, "id", "name", "key", "description", "type", "created_at", "updated_at"),
    }


def is_creator_eligible(permission_keys: set[str]) -> bool:
    return CREATOR_PERMISSIONS.issubset(permission_keys)


def role_json(role: Role) -> JSON:
    """`role.permissions` must be loaded; they are listed oldest first, as the relationship orders them."""
    permissions = sorted(role.permissions, key=lambda p: (p.created_at, p.id))
    return {
        "object": "role",
        **columns(role, "id", "name", "key", "description"),
        "is_creator_eligible": is_creator_eligible({p.key for p in permissions}),
        "permissions": [permission_json(p) for p in permissions],
        "created_at": role.created_at,
        "updated_at": role.updated_at,
    }


def deleted_json(kind: str, object_id: str) -> JSON:
    return {"object": kind, "id": object_id, "deleted": True}
