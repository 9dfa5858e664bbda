"""Organization Domains through the official SDK.

The server's instance is shared with other SDK tests: verified domains are switched on (with both
automatic enrollment modes) only for each test here and restored afterwards, and every domain
lives in an organization of its own that the test deletes."""

import secrets
from collections.abc import Iterator

import pytest
from clerk_backend_api import Clerk, models


def unique_domain(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}.example.com"


@pytest.fixture
def domains_on(clerk: Clerk) -> Iterator[None]:
    before = clerk.instance_settings.get_organization_settings()
    clerk.instance_settings.update_organization_settings(
        request=models.UpdateInstanceOrganizationSettingsRequestBody(
            domains_enabled=True, domains_enrollment_modes=["automatic_invitation", "automatic_suggestion"]
        )
    )
    yield
    clerk.instance_settings.update_organization_settings(
        request=models.UpdateInstanceOrganizationSettingsRequestBody(
            domains_enabled=before.domains_enabled,
            domains_enrollment_modes=[str(mode.value) for mode in before.domains_enrollment_modes],
        )
    )


@pytest.fixture
def organization(clerk: Clerk, domains_on: None) -> Iterator[models.Organization]:
    created = clerk.organizations.create(request={"name": f"Domains {secrets.token_hex(4)}"})
    yield created
    clerk.organizations.delete(organization_id=created.id)


def test_create_list_update_verify_delete(clerk: Clerk, organization: models.Organization) -> None:
    name = unique_domain("sdk")
    created = clerk.organization_domains.create(
        organization_id=organization.id, name=name, enrollment_mode="automatic_invitation"
    )
    assert isinstance(created, models.OrganizationDomain)
    assert created.name == name and created.organization_id == organization.id
    assert created.enrollment_mode == models.EnrollmentMode.AUTOMATIC_INVITATION
    assert created.affiliation_verification is not None and created.affiliation_verification.status == "verified"
    assert created.ownership_verification is None
    assert isinstance(created.public_organization_data, models.PublicOrganizationData)
    assert created.public_organization_data.slug == organization.slug

    listed = clerk.organization_domains.list(organization_id=organization.id, verified="true", limit=5)
    assert isinstance(listed, models.OrganizationDomains)
    assert [d.id for d in listed.data] == [created.id] and listed.total_count == 1

    updated = clerk.organization_domains.update(
        organization_id=organization.id, domain_id=created.id, enrollment_mode="manual_invitation", verified=False
    )
    assert updated.enrollment_mode == models.EnrollmentMode.MANUAL_INVITATION
    assert updated.affiliation_verification is not None and updated.affiliation_verification.status == "unverified"

    owned = clerk.organization_domains.verify_ownership(organization_id=organization.id, domain_id=created.id)
    assert isinstance(owned, models.OrganizationDomain)
    assert owned.ownership_verification is not None
    assert owned.ownership_verification.status == "verified"
    assert owned.ownership_verification.strategy == "manual_override"
    assert owned.ownership_verification.verified_at is not None

    deleted = clerk.organization_domains.delete(organization_id=organization.id, domain_id=created.id)
    assert isinstance(deleted, models.DeletedObject) and deleted.deleted and deleted.id == created.id
    assert clerk.organization_domains.list(organization_id=organization.id).total_count == 0


def test_list_all_with_filters(clerk: Clerk, organization: models.Organization) -> None:
    prefix = f"sdkall-{secrets.token_hex(3)}"
    manual = clerk.organization_domains.create(organization_id=organization.id, name=f"{prefix}-a.example.com")
    suggested = clerk.organization_domains.create(
        organization_id=organization.id,
        name=f"{prefix}-b.example.com",
        enrollment_mode="automatic_suggestion",
        verified=False,
    )
    everything = clerk.organization_domains.list_all(organization_id=organization.id, order_by="name")
    assert isinstance(everything, models.OrganizationDomains)
    assert [d.id for d in everything.data] == [manual.id, suggested.id]
    unverified = clerk.organization_domains.list_all(query=prefix, verified=models.Verified.FALSE)
    assert [d.id for d in unverified.data] == [suggested.id]
    not_suggested = clerk.organization_domains.list_all(
        query=organization.id,
        enrollment_mode=[models.QueryParamEnrollmentMode.MINUS_AUTOMATIC_SUGGESTION],
    )
    assert [d.id for d in not_suggested.data] == [manual.id]
    # The SDK sends several modes comma-separated (the spec's `explode: false`).
    both_modes = clerk.organization_domains.list_all(
        organization_id=organization.id,
        enrollment_mode=[
            models.QueryParamEnrollmentMode.MANUAL_INVITATION,
            models.QueryParamEnrollmentMode.AUTOMATIC_SUGGESTION,
        ],
    )
    assert both_modes.total_count == 2
    by_name = clerk.organization_domains.list_all(domains=[suggested.name], limit=1)
    assert [d.id for d in by_name.data] == [suggested.id] and by_name.total_count == 1


def test_errors_are_typed(clerk: Clerk, organization: models.Organization) -> None:
    with pytest.raises(models.ClerkErrors) as common:
        clerk.organization_domains.create(organization_id=organization.id, name="gmail.com")
    assert common.value.data.errors[0].code == "organization_domain_common"
    with pytest.raises(models.ClerkErrors) as missing:
        clerk.organization_domains.verify_ownership(organization_id=organization.id, domain_id="orgdmn_missing")
    assert missing.value.data.errors[0].code == "resource_not_found"
