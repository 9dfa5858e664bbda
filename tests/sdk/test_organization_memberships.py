"""Every Organization Memberships operation through Clerk's official Python SDK against `locum serve`."""

import pytest
from clerk_backend_api import Clerk, models

from tests.builders import unique_email
from tests.sdk.conftest import new_user


def make_organization(clerk: Clerk, max_allowed_memberships: int = 0) -> models.Organization:
    return clerk.organizations.create(
        request={"name": f"SDK {unique_email('org')}", "max_allowed_memberships": max_allowed_memberships}
    )


def test_create_list_update_metadata_delete(clerk: Clerk) -> None:
    organization = make_organization(clerk)
    ada, grace = new_user(clerk, first_name="Ada"), new_user(clerk, first_name="Grace")

    created = clerk.organization_memberships.create(
        organization_id=organization.id, user_id=ada.id, role="org:admin", public_metadata={"team": "core"}
    )
    assert isinstance(created, models.OrganizationMembership)
    assert (created.role, created.role_name) == ("org:admin", "Admin")
    assert "org:sys_memberships:manage" in (created.permissions or [])
    assert created.public_metadata == {"team": "core"}
    assert created.organization.id == organization.id
    assert created.public_user_data is not None and created.public_user_data.user_id == ada.id
    clerk.organization_memberships.create(organization_id=organization.id, user_id=grace.id, role="org:member")

    listed = clerk.organization_memberships.list(organization_id=organization.id, order_by="-first_name")
    assert isinstance(listed, models.OrganizationMemberships) and listed.total_count == 2
    assert [m.public_user_data.user_id for m in listed.data if m.public_user_data] == [grace.id, ada.id]
    members_only = clerk.organization_memberships.list(organization_id=organization.id, role=["org:member"])
    assert [m.role for m in members_only.data] == ["org:member"]

    promoted = clerk.organization_memberships.update(
        organization_id=organization.id, user_id=grace.id, role="org:admin"
    )
    assert promoted.role == "org:admin" and "org:sys_memberships:manage" in (promoted.permissions or [])

    merged = clerk.organization_memberships.update_metadata(
        organization_id=organization.id, user_id=ada.id, public_metadata={"lead": True}, private_metadata={"crm": 7}
    )
    assert merged.public_metadata == {"team": "core", "lead": True} and merged.private_metadata == {"crm": 7}

    deleted = clerk.organization_memberships.delete(organization_id=organization.id, user_id=ada.id)
    assert isinstance(deleted, models.OrganizationMembership) and deleted.id == created.id
    remaining = clerk.organization_memberships.list(organization_id=organization.id)
    assert [m.public_user_data.user_id for m in remaining.data if m.public_user_data] == [grace.id]


def test_user_and_instance_lists(clerk: Clerk) -> None:
    first, second = make_organization(clerk), make_organization(clerk)
    user = new_user(clerk, first_name="Alan")
    clerk.organization_memberships.create(organization_id=first.id, user_id=user.id, role="org:admin")
    clerk.organization_memberships.create(organization_id=second.id, user_id=user.id, role="org:member")

    mine = clerk.users.get_organization_memberships(user_id=user.id, limit=1)
    assert isinstance(mine, models.OrganizationMemberships) and mine.total_count == 2
    assert [m.organization.id for m in mine.data] == [second.id]

    everyone = clerk.users.get_instance_organization_memberships(order_by="-created_at", limit=2)
    assert isinstance(everyone, models.OrganizationMemberships) and everyone.total_count >= 2
    assert [m.organization.id for m in everyone.data] == [second.id, first.id]


def test_errors(clerk: Clerk) -> None:
    organization = make_organization(clerk, max_allowed_memberships=1)
    admin, other = new_user(clerk, first_name="Edsger"), new_user(clerk, first_name="Barbara")
    clerk.organization_memberships.create(organization_id=organization.id, user_id=admin.id, role="org:admin")

    with pytest.raises(models.ClerkErrors) as duplicate:
        clerk.organization_memberships.create(organization_id=organization.id, user_id=admin.id, role="org:admin")
    assert duplicate.value.data.errors[0].code == "already_a_member_in_organization"
    with pytest.raises(models.ClerkErrors) as full:
        clerk.organization_memberships.create(organization_id=organization.id, user_id=other.id, role="org:member")
    assert full.value.data.errors[0].code == "organization_membership_quota_exceeded"
    with pytest.raises(models.ClerkErrors) as unknown_role:
        clerk.organization_memberships.update(organization_id=organization.id, user_id=admin.id, role="org:nope")
    assert unknown_role.value.data.errors[0].code == "form_param_value_invalid"
    # The spec declares no 400 for removing members, so the SDK raises its generic error here.
    with pytest.raises(models.SDKError) as last_admin:
        clerk.organization_memberships.delete(organization_id=organization.id, user_id=admin.id)
    assert last_admin.value.status_code == 400 and "organization_minimum_permissions_needed" in last_admin.value.body
