"""Admin portal link tokens through the official SDK."""

import pytest
from clerk_backend_api import Clerk, models


def test_create_and_revoke(clerk: Clerk) -> None:
    organization = clerk.organizations.create(request={"name": "Acme"})
    created = clerk.admin_portal_link_tokens.create_admin_portal_link_token(
        organization_id=organization.id, it_contact_id="it-7", scopes=["admin_portal:read"], seconds_until_expiration=60
    )
    assert isinstance(created, models.CreateAdminPortalLinkTokenResponseBody)
    assert created.id.startswith("aplt_") and created.token.startswith("aplt_")
    assert created.organization_id == organization.id and created.scopes == ["admin_portal:read"]
    assert created.expiration == created.created_at + 60_000 and not created.revoked and not created.expired
    revoked = clerk.admin_portal_link_tokens.revoke_admin_portal_link_token(
        admin_portal_link_token_id=created.id, revocation_reason="rotated"
    )
    assert isinstance(revoked, models.RevokeAdminPortalLinkTokenResponseBody)
    assert revoked.revoked and revoked.revocation_reason == "rotated" and revoked.id == created.id
    assert revoked.admin_portal_link_id == created.admin_portal_link_id


def test_defaults(clerk: Clerk) -> None:
    created = clerk.admin_portal_link_tokens.create_admin_portal_link_token()
    assert created.organization_id is None and created.it_contact_id is None and created.scopes is None
    assert created.expiration == created.created_at + 3_600_000
    revoked = clerk.admin_portal_link_tokens.revoke_admin_portal_link_token(admin_portal_link_token_id=created.id)
    assert revoked.revoked and revoked.revocation_reason is None


def test_errors_are_typed(clerk: Clerk) -> None:
    with pytest.raises(models.CreateAdminPortalLinkTokenAdminPortalLinkTokensResponseBody) as refused:
        clerk.admin_portal_link_tokens.create_admin_portal_link_token(organization_id="org_" + "0" * 27)
    assert refused.value.data.errors[0].code == "form_resource_not_found"
    with pytest.raises(models.RevokeAdminPortalLinkTokenAdminPortalLinkTokensResponse404ResponseBody) as missing:
        clerk.admin_portal_link_tokens.revoke_admin_portal_link_token(admin_portal_link_token_id="aplt_" + "0" * 32)
    assert missing.value.data.errors[0].code == "resource_not_found"
