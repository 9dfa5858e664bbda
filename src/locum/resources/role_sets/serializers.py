"""Role sets as Clerk renders them (the spec's RoleSet and RoleSetItem).

Migrations run inside the request that starts them, so no migration is ever "enqueued" or
"in_progress" when a role set is read: `role_set_migration` is always null.
"""

from collections.abc import Mapping

from locum.db.models import Role, RoleSet
from locum.kit.json_types import JSON, columns


def role_set_item_json(role: Role, *, members_count: int) -> JSON:
    return {
        "object": "role_set_item",
        **columns(role, "id", "name", "key", "description"),
        "members_count": members_count,
        "has_members": members_count > 0,
        "created_at": role.created_at,
        "updated_at": role.updated_at,
    }


def role_set_json(role_set: RoleSet, *, members_per_role: Mapping[str, int]) -> JSON:
    """`members_per_role`: role id -> members holding it in the organizations using this set."""
    # Oldest role first, whether the collection was just loaded or just changed.
    roles = sorted(role_set.roles, key=lambda role: (role.created_at, role.key))
    items = {role.id: role_set_item_json(role, members_count=members_per_role.get(role.id, 0)) for role in roles}
    return {
        "object": "role_set",
        **columns(role_set, "id", "name", "key", "description"),
        "roles": list(items.values()),
        "default_role": items.get(role_set.default_role_id or ""),
        "creator_role": items.get(role_set.creator_role_id or ""),
        "type": role_set.type,
        "role_set_migration": None,
        "created_at": role_set.created_at,
        "updated_at": role_set.updated_at,
    }


def deleted_role_set_json(role_set: RoleSet) -> JSON:
    return {"object": "role_set", "id": role_set.id, "deleted": True}
