"""Organizations and the instance's organization settings through the official SDK.

The SDK server's instance is shared by every SDK test: settings changed here are put back."""

import itertools
from collections.abc import Iterator

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.builders import png_bytes, unique_email

_sequence = itertools.count(1)


def unique_slug() -> str:
    return f"sdk-org-{next(_sequence)}"


@pytest.fixture
def restore_settings(clerk: Clerk) -> Iterator[None]:
    yield
    clerk.instance_settings.update_organization_settings(
        request={"enabled": True, "slug_disabled": False, "max_allowed_memberships": 5}
    )


def test_create_get_list_update_delete(clerk: Clerk) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkorg")])
    slug = unique_slug()
    created = clerk.organizations.create(
        request={"name": "SDK Org", "slug": slug, "created_by": user.id, "public_metadata": {"tier": 1}}
    )
    assert isinstance(created, models.Organization)
    assert created.slug == slug and created.created_by == user.id and created.public_metadata == {"tier": 1}
    fetched = clerk.organizations.get(organization_id=slug, include_members_count=True)
    assert fetched.id == created.id and fetched.members_count == 1
    assert created.id in [o.id for o in clerk.organizations.list(query=slug.upper(), limit=500).data]
    listed = clerk.organizations.list(user_id=[user.id], include_members_count=True, order_by="-name")
    assert isinstance(listed, models.Organizations)
    assert [o.id for o in listed.data] == [created.id] and listed.total_count == 1
    assert listed.data[0].members_count == 1
    updated = clerk.organizations.update(organization_id=created.id, name="Renamed", max_allowed_memberships=10)
    assert updated.name == "Renamed" and updated.max_allowed_memberships == 10
    deleted = clerk.organizations.delete(organization_id=created.id)
    assert isinstance(deleted, models.DeletedObject) and deleted.deleted and deleted.id == created.id
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.organizations.get(organization_id=created.id)
    assert raised.value.data.errors[0].code == "resource_not_found"


def test_metadata(clerk: Clerk) -> None:
    organization = clerk.organizations.create(request={"name": "Meta Org", "public_metadata": {"a": {"b": 1}}})
    merged = clerk.organizations.merge_metadata(
        organization_id=organization.id, public_metadata={"a": {"c": 2}}, private_metadata={"secret": True}
    )
    assert merged.public_metadata == {"a": {"b": 1, "c": 2}} and merged.private_metadata == {"secret": True}
    replaced = clerk.organizations.replace_metadata(organization_id=organization.id, public_metadata={"z": 0})
    assert replaced.public_metadata == {"z": 0} and replaced.private_metadata == {"secret": True}


def test_logo(clerk: Clerk) -> None:
    organization = clerk.organizations.create(request={"name": "Logo Org"})
    content = png_bytes()
    with_logo = clerk.organizations.upload_logo(
        organization_id=organization.id,
        file={"file_name": "logo.png", "content": content, "content_type": "image/png"},
    )
    assert isinstance(with_logo, models.OrganizationWithLogo) and with_logo.has_image
    served = httpx.get(with_logo.image_url)
    assert served.status_code == 200 and served.content == content
    cleared = clerk.organizations.delete_logo(organization_id=organization.id)
    assert isinstance(cleared, models.Organization) and not cleared.has_image
    assert httpx.get(with_logo.image_url).status_code == 404


def test_errors_are_typed(clerk: Clerk) -> None:
    slug = unique_slug()
    clerk.organizations.create(request={"name": "Taken", "slug": slug})
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.organizations.create(request={"name": "Again", "slug": slug})
    assert raised.value.data.errors[0].code == "form_identifier_exists"
    with pytest.raises(models.ClerkErrors) as missing_creator:
        clerk.organizations.create(request={"name": "Orphan", "created_by": "user_missing"})
    assert missing_creator.value.data.errors[0].code == "organization_creator_not_found"


@pytest.mark.usefixtures("restore_settings")
def test_organization_settings(clerk: Clerk) -> None:
    settings = clerk.instance_settings.get_organization_settings()
    assert isinstance(settings, models.OrganizationSettings)
    assert settings.enabled and settings.creator_role == "org:admin"
    updated = clerk.instance_settings.update_organization_settings(
        request={
            "slug_disabled": True,
            "max_allowed_memberships": 3,
            "domains_enrollment_modes": ["automatic_invitation"],
        }
    )
    assert updated.slug_disabled and updated.max_allowed_memberships == 3
    assert clerk.organizations.create(request={"name": "Small Org"}).max_allowed_memberships == 3
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.instance_settings.update_organization_settings(request={"creator_role_id": "org:member"})
    assert raised.value.data.errors[0].code == "organization_missing_creator_role_permissions"
    clerk.instance_settings.update_organization_settings(request={"enabled": False})
    with pytest.raises(models.ClerkErrors) as disabled:
        clerk.organizations.list()
    assert disabled.value.data.errors[0].code == "organization_not_enabled_in_instance"
