"""Organization Roles and Organization Permissions through the official SDK.

The server's instance is shared with other SDK tests (and its role quota with them), so keys are
unique per test and every role created here is deleted again."""

import pytest
from clerk_backend_api import Clerk, models

from locum.instances.organization_defaults import SYSTEM_PERMISSIONS
from tests.sdk.conftest import unique


def test_permission_create_get_list_update_delete(clerk: Clerk) -> None:
    feature = unique("sdk")
    created = clerk.organization_permissions.create(
        name="Read reports", key=f"org:{feature}:read", description="Reports"
    )
    assert isinstance(created, models.Permission) and created.type == "user"
    assert clerk.organization_permissions.get(permission_id=created.id) == created
    listed = clerk.organization_permissions.list(query=feature, order_by="-created_at", limit=5)
    assert isinstance(listed, models.Permissions)
    assert [p.id for p in listed.data] == [created.id] and listed.total_count == 1
    updated = clerk.organization_permissions.update(permission_id=created.id, name="Read all reports")
    assert updated.name == "Read all reports" and updated.key == created.key
    deleted = clerk.organization_permissions.delete(permission_id=created.id)
    assert isinstance(deleted, models.DeletedObject) and deleted.deleted and deleted.id == created.id


def test_system_permissions_are_listed_and_protected(clerk: Clerk) -> None:
    system = clerk.organization_permissions.list(query="org:sys_", limit=50)
    assert {p.key for p in system.data} == set(SYSTEM_PERMISSIONS)
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.organization_permissions.delete(permission_id=system.data[0].id)
    assert raised.value.data.errors[0].code == "organization_system_permission_not_modifiable"


def test_role_create_get_list_update_delete(clerk: Clerk) -> None:
    permission = clerk.organization_permissions.create(name="Export", key=f"org:{unique('sdk')}:export")
    key = f"org:{unique('sdk')}"
    created = clerk.organization_roles.create(
        name="Analyst", key=key, description="Reads reports", permissions=[permission.id]
    )
    try:
        assert isinstance(created, models.Role) and created.is_creator_eligible is False
        assert [p.id for p in created.permissions] == [permission.id]
        assert clerk.organization_roles.get(organization_role_id=created.id) == created
        listed = clerk.organization_roles.list(query=key, order_by="name", limit=5, offset=0)
        assert isinstance(listed, models.Roles) and [r.id for r in listed.data] == [created.id]
        updated = clerk.organization_roles.update(
            organization_role_id=created.id, name="Senior analyst", permissions=[]
        )
        assert updated.name == "Senior analyst" and updated.permissions == []
        assigned = clerk.organization_roles.assign_permission(
            organization_role_id=created.id, permission_id=permission.id
        )
        assert [p.key for p in assigned.permissions] == [permission.key]
        with pytest.raises(models.ClerkErrors) as raised:
            clerk.organization_roles.assign_permission(organization_role_id=created.id, permission_id=permission.id)
        assert raised.value.data.errors[0].code == "organization_role_permission_association_exists"
        removed = clerk.organization_roles.remove_permission(
            organization_role_id=created.id, permission_id=permission.id
        )
        assert removed.permissions == []
    finally:
        deleted = clerk.organization_roles.delete(organization_role_id=created.id)
        clerk.organization_permissions.delete(permission_id=permission.id)
    assert isinstance(deleted, models.DeletedObject) and deleted.deleted and deleted.id == created.id


def test_default_roles_and_deletion_blockers(clerk: Clerk) -> None:
    admin = clerk.organization_roles.list(query="org:admin").data[0]
    assert admin.key == "org:admin" and admin.is_creator_eligible
    assert {p.key for p in admin.permissions} == set(SYSTEM_PERMISSIONS)
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.organization_roles.delete(organization_role_id=admin.id)
    assert raised.value.data.errors[0].code == "organization_role_default_creator_role"
