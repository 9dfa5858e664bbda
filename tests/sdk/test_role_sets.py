"""Role Sets through the official SDK: every operation, typed results, typed errors.

The server's instance is shared by the whole SDK session (with a quota of role sets), so each test
removes the sets it creates by replacing them, and uses only the default roles.
"""

import uuid

import pytest
from clerk_backend_api import Clerk, models


def unique_key(prefix: str) -> str:
    return f"role_set:{prefix}_{uuid.uuid4().hex[:10]}"


def test_create_list_get_update_replace(clerk: Clerk) -> None:
    key = unique_key("sdk")
    created = clerk.role_sets.create(
        name="SDK set",
        key=key,
        description="made by the SDK",
        default_role_key="org:member",
        creator_role_key="org:admin",
        roles=["org:admin", "org:member"],
    )
    assert isinstance(created, models.RoleSet)
    assert created.key == key and created.type == "custom"
    assert [role.key for role in created.roles] == ["org:admin", "org:member"]
    assert isinstance(created.default_role, models.DefaultRole) and created.default_role.key == "org:member"
    assert isinstance(created.creator_role, models.CreatorRole) and created.creator_role.key == "org:admin"

    listed = clerk.role_sets.list(query=key, order_by="-created_at", limit=5, offset=0)
    assert isinstance(listed, models.RoleSets)
    assert [role_set.id for role_set in listed.data] == [created.id] and listed.total_count == 1
    assert clerk.role_sets.get(role_set_key_or_id=key).id == created.id
    assert clerk.role_sets.get(role_set_key_or_id=created.id).key == key

    updated = clerk.role_sets.update(role_set_key_or_id=created.id, name="Renamed", description=None)
    assert updated.name == "Renamed" and updated.description is None and updated.key == key

    deleted = clerk.role_sets.replace(
        role_set_key_or_id=key, dest_role_set_key="role_set:default", reassignment_mappings={}
    )
    assert isinstance(deleted, models.DeletedObject)
    assert deleted.deleted and deleted.id == created.id and deleted.object == "role_set"
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.role_sets.get(role_set_key_or_id=key)
    assert raised.value.data.errors[0].code == "resource_not_found"


def test_add_roles_and_replace_a_role(clerk: Clerk) -> None:
    key = unique_key("sdk_roles")
    clerk.role_sets.create(
        name="Admins only", key=key, default_role_key="org:admin", creator_role_key="org:admin", roles=["org:admin"]
    )
    added = clerk.role_sets.add_roles(role_set_key_or_id=key, role_keys=["org:member"], default_role_key="org:member")
    assert isinstance(added, models.RoleSet)
    assert [role.key for role in added.roles] == ["org:admin", "org:member"]
    assert isinstance(added.default_role, models.DefaultRole) and added.default_role.key == "org:member"

    replaced = clerk.role_sets.replace_role(role_set_key_or_id=key, role_key="org:member", to_role_key="org:admin")
    assert isinstance(replaced, models.RoleSet)
    assert [role.key for role in replaced.roles] == ["org:admin"]
    assert isinstance(replaced.default_role, models.DefaultRole) and replaced.default_role.key == "org:admin"

    clerk.role_sets.replace(role_set_key_or_id=key, dest_role_set_key="role_set:default")


def test_errors_are_typed(clerk: Clerk) -> None:
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.role_sets.create(
            name="Bad creator",
            key=unique_key("sdk_bad"),
            default_role_key="org:member",
            creator_role_key="org:member",
            roles=["org:member"],
        )
    assert raised.value.data.errors[0].code == "organization_missing_creator_role_permissions"
    with pytest.raises(models.ClerkErrors) as missing:
        clerk.role_sets.add_roles(role_set_key_or_id="role_set:missing", role_keys=["org:admin"])
    assert missing.value.data.errors[0].code == "resource_not_found"
