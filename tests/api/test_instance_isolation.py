"""Instance isolation on every operation: instance B's key never reaches instance A's data.

A user with one of everything is built in instance A (development); then every implemented /v1
operation (and every /locum one) is called with B's key and A's ids, B being a development
instance and then a production one. Each must answer 404 — or, for lists and bulk operations, find
nothing — and A's user and event log must be exactly as they were. The table below must name every
implemented operation, so a new operation can't skip this check.
"""

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from locum.instances.service import InstanceKeys
from tests.builders import (
    adjust_credits,
    make_directory,
    make_discount,
    make_enterprise_connection,
    make_m2m_token,
    make_machine,
    make_plan,
    make_redirect_url,
    make_satellite_domain,
    make_user,
    png_bytes,
    subscribe,
)
from tests.conftest import RecordedEvents, api_client, new_instance
from tests.contract.test_coverage import implemented_operations

PASSWORD = "correct horse battery"

# operationId -> (body, what B gets back: "404" or another refusal status, "empty", or "own" data)
CALLS: dict[str, tuple[dict[str, Any] | None, str]] = {
    "GetUser": (None, "404"),
    "UpdateUser": ({"first_name": "Mallory"}, "404"),
    "DeleteUser": (None, "404"),
    "UpdateUserMetadata": ({"public_metadata": {"owned": True}}, "404"),
    "ReplaceUserMetadata": ({"private_metadata": {}}, "404"),
    "BanUser": (None, "404"),
    "UnbanUser": (None, "404"),
    "LockUser": (None, "404"),
    "UnlockUser": (None, "404"),
    "VerifyPassword": ({"password": PASSWORD}, "404"),
    "RemoveUserPassword": (None, "404"),
    "SetUserPasswordCompromised": ({}, "404"),
    "UnsetUserPasswordCompromised": (None, "404"),
    "VerifyTOTP": ({"code": "000000"}, "404"),
    "DisableMFA": (None, "404"),
    "DeleteBackupCode": (None, "404"),
    "DeleteTOTP": (None, "404"),
    "SetUserProfileImage": (None, "404"),
    "DeleteUserProfileImage": (None, "404"),
    "UserPasskeyDelete": (None, "404"),
    "UserWeb3WalletDelete": (None, "404"),
    "DeleteExternalAccount": (None, "404"),
    "ListUserTrustedDevices": (None, "404"),
    "RevokeUserTrustedDevice": (None, "404"),
    "GetOAuthAccessToken": (None, "404"),
    "CreateEmailAddress": ({"user_id": "{user_id}", "email_address": "mallory@example.com"}, "404"),
    "GetEmailAddress": (None, "404"),
    "UpdateEmailAddress": ({"primary": True}, "404"),
    "DeleteEmailAddress": (None, "404"),
    "PrepareEmailAddressVerification": (None, "404"),
    "AttemptEmailAddressVerification": ({"verification_id": "{verification_id}", "code": "000000"}, "404"),
    "ReplaceUserEmailAddress": ({"email_address": "mallory@example.com"}, "404"),
    "CreatePhoneNumber": ({"user_id": "{user_id}", "phone_number": "+14155550177"}, "404"),
    "GetPhoneNumber": (None, "404"),
    "UpdatePhoneNumber": ({"verified": False}, "404"),
    "DeletePhoneNumber": (None, "404"),
    "PreparePhoneNumberVerification": (None, "404"),
    "AttemptPhoneNumberVerification": ({"verification_id": "{verification_id}", "code": "000000"}, "404"),
    "ReplaceUserPhoneNumber": ({"phone_number": "+14155550177"}, "404"),
    "UsersBan": ({"user_ids": ["{user_id}"]}, "empty"),
    "UsersUnban": ({"user_ids": ["{user_id}"]}, "empty"),
    "GetUserList": (None, "empty"),
    "GetUsersCount": (None, "empty"),
    # Not instance data: each instance has its own, checked below.
    "GetJWKS": (None, "own"),
    "CreateUser": (None, "own"),
    "ListOrganizations": (None, "empty"),
    "CreateOrganization": (None, "own"),
    "GetOrganization": (None, "404"),
    "UpdateOrganization": ({"name": "Mallory Inc"}, "404"),
    "DeleteOrganization": (None, "404"),
    "MergeOrganizationMetadata": ({"public_metadata": {"owned": True}}, "404"),
    "ReplaceOrganizationMetadata": ({"public_metadata": {}}, "404"),
    "UploadOrganizationLogo": (None, "404"),
    "DeleteOrganizationLogo": (None, "404"),
    "CreateOrganizationMembership": ({"user_id": "{user_id}", "role": "org:member"}, "404"),
    "ListOrganizationMemberships": (None, "404"),
    "UpdateOrganizationMembership": ({"role": "org:member"}, "404"),
    "DeleteOrganizationMembership": (None, "404"),
    "UpdateOrganizationMembershipMetadata": ({"public_metadata": {"owned": True}}, "404"),
    "UsersGetOrganizationMemberships": (None, "404"),
    "InstanceGetOrganizationMemberships": (None, "empty"),
    "CreateOrganizationInvitation": ({"email_address": "mallory@example.com", "role": "org:member"}, "404"),
    "CreateOrganizationInvitationBulk": ([{"email_address": "mallory@example.com", "role": "org:member"}], "404"),
    "ListOrganizationInvitations": (None, "404"),
    "ListPendingOrganizationInvitations": (None, "404"),
    "GetOrganizationInvitation": (None, "404"),
    "RevokeOrganizationInvitation": ({}, "404"),
    "ListInstanceOrganizationInvitations": (None, "empty"),
    "UsersGetOrganizationInvitations": (None, "404"),
    "CreateOrganizationDomain": ({"name": "mallory-corp.com"}, "404"),
    "ListOrganizationDomains": (None, "empty"),
    "UpdateOrganizationDomain": ({"enrollment_mode": "manual_invitation"}, "404"),
    "DeleteOrganizationDomain": (None, "404"),
    "VerifyOrganizationDomainOwnership": (None, "404"),
    "ListAllOrganizationDomains": (None, "empty"),
    "ListOrganizationRoles": (None, "own"),
    "CreateOrganizationRole": (None, "own"),
    "GetOrganizationRole": (None, "404"),
    "UpdateOrganizationRole": ({"name": "Mallory"}, "404"),
    "DeleteOrganizationRole": (None, "404"),
    "AssignPermissionToOrganizationRole": (None, "404"),
    "RemovePermissionFromOrganizationRole": (None, "404"),
    "ListOrganizationPermissions": (None, "own"),
    "CreateOrganizationPermission": (None, "own"),
    "GetOrganizationPermission": (None, "404"),
    "UpdateOrganizationPermission": ({"name": "Mallory"}, "404"),
    "DeleteOrganizationPermission": (None, "404"),
    "ListRoleSets": (None, "own"),
    "CreateRoleSet": (None, "own"),
    "GetRoleSet": (None, "404"),
    "UpdateRoleSet": ({"name": "Mallory"}, "404"),
    "ReplaceRoleSet": ({"dest_role_set_key": "role_set:default"}, "404"),
    "AddRolesToRoleSet": ({"role_keys": ["org:member"]}, "404"),
    "ReplaceRoleInRoleSet": ({"role_key": "org:member", "to_role_key": "org:admin"}, "404"),
    "GetSessionList": (None, "empty"),
    "createSession": ({"user_id": "{user_id}"}, "404"),
    "GetSession": (None, "404"),
    "RevokeSession": (None, "404"),
    "CreateSessionToken": (None, "404"),
    "RefreshSession": (
        {"expired_token": "{session_token}", "refresh_token": "{refresh_token}", "request_origin": "http://a.test"},
        "401",
    ),
    "GetClientList": (None, "empty"),
    "GetClient": (None, "404"),
    "VerifyClient": ({"token": "{client_token}"}, "400"),
    "ListJWTTemplates": (None, "empty"),
    "CreateJWTTemplate": ({"name": "{template_name}", "claims": {}}, "own"),
    "GetJWTTemplate": (None, "404"),
    "UpdateJWTTemplate": ({"name": "mallory", "claims": {}}, "404"),
    "DeleteJWTTemplate": (None, "404"),
    "CreateSessionTokenFromTemplate": (None, "404"),
    "CreateActorToken": ({"user_id": "{user_id}", "actor": {"sub": "user_mallory"}}, "422"),
    "RevokeActorToken": (None, "404"),
    "CreateSignInToken": ({"user_id": "{user_id}"}, "404"),
    "RevokeSignInToken": (None, "404"),
    "CreateTestingToken": (None, "own"),
    "GetTemplateList": (None, "own"),
    "GetTemplate": (None, "own"),
    "UpsertTemplate": ({"name": "Mallory"}, "own"),
    "RevertTemplate": (None, "own"),
    "PreviewTemplate": ({}, "own"),
    "ToggleTemplateDelivery": ({"delivered_by_clerk": False}, "own"),
    "GetInstanceOrganizationSettings": (None, "own"),
    "UpdateInstanceOrganizationSettings": (None, "own"),
    # The instance's own settings: B reads and changes only B's (see the settings check below).
    "GetInstance": (None, "own"),
    "UpdateInstance": ({"test_mode": False, "allowed_origins": ["https://mallory.example.com"]}, "204"),
    "UpdateInstanceRestrictions": ({"allowlist": True}, "own"),
    "GetInstanceProtect": (None, "own"),
    "UpdateInstanceProtect": ({"rules_enabled": True}, "own"),
    "GetInstanceCommunication": (None, "own"),
    "UpdateInstanceCommunication": ({"blocked_country_codes": ["US"]}, "own"),
    "GetInstanceOAuthApplicationSettings": (None, "own"),
    "UpdateInstanceOAuthApplicationSettings": ({"oauth_jwt_access_tokens": True}, "own"),
    "UpdateInstanceAuthConfig": ({"restricted_to_allowlist": True, "test_mode": False}, "own"),
    # B is a development instance: its domain can't change, A's never could.
    "UpdateProductionInstanceDomain": ({"home_url": "https://mallory.example.com"}, "400"),
    "ChangeProductionInstanceDomain": ({"home_url": "https://mallory.example.com"}, "400"),
    # The instance's own Svix app: B creating or deleting one touches only B (see the svix check below).
    "CreateSvixApp": (None, "own"),
    "DeleteSvixApp": (None, "own"),
    "GenerateSvixAuthURL": (None, "own"),
    "CreateAgentTask": (
        {
            "on_behalf_of": {"user_id": "{user_id}"},
            "permissions": "*",
            "agent_name": "mallory",
            "task_description": "Act as the victim",
            # https: production instances refuse http redirect URLs before looking for the user.
            "redirect_url": "https://localhost:3000",
        },
        "404",
    ),
    "RevokeAgentTask": (None, "404"),
    "createAdminPortalLinkToken": ({"organization_id": "{organization_id}"}, "400"),
    "revokeAdminPortalLinkToken": ({}, "404"),
    "ListOAuthApplications": (None, "empty"),
    "CreateOAuthApplication": ({"name": "Mallory's app"}, "own"),
    "GetOAuthApplication": (None, "404"),
    "UpdateOAuthApplication": ({"name": "Mallory's app"}, "404"),
    "DeleteOAuthApplication": (None, "404"),
    "UploadOAuthApplicationLogo": (None, "404"),
    "RotateOAuthApplicationSecret": (None, "404"),
    "RevokeOAuthApplicationToken": ({"token": "{oauth_access_token}"}, "404"),
    "verifyOAuthAccessToken": ({"access_token": "{oauth_access_token}"}, "404"),
    "createApiKey": ({"name": "Mallory's key", "subject": "{user_id}"}, "400"),
    "getApiKeys": (None, "empty"),
    "getApiKey": (None, "404"),
    "updateApiKey": ({"description": "Mallory's now"}, "404"),
    "deleteApiKey": (None, "404"),
    "getApiKeySecret": (None, "404"),
    "revokeApiKey": ({}, "404"),
    "verifyApiKey": ({"secret": "{api_key_secret}"}, "404"),
    # Machines and M2M tokens: B's key cannot scope, mint for, list, revoke or verify A's.
    "ListMachines": (None, "empty"),
    "CreateMachine": ({"name": "mallory", "scoped_machines": ["{machine_id}"]}, "422"),
    "GetMachine": (None, "404"),
    "UpdateMachine": ({"name": "mallory"}, "404"),
    "DeleteMachine": (None, "404"),
    "GetMachineSecretKey": (None, "404"),
    "RotateMachineSecretKey": ({"previous_token_ttl": 0}, "404"),
    "CreateMachineScope": ({"to_machine_id": "{other_machine_id}"}, "404"),
    "DeleteMachineScope": (None, "404"),
    "createM2MToken": ({}, "401"),
    "getM2MTokens": (None, "404"),
    "revokeM2MToken": ({}, "404"),
    "verifyM2MToken": ({"token": "{m2m_token}"}, "404"),
    # Allow-list / block-list: B's key lists none of A's identifiers and deletes none.
    "ListAllowlistIdentifiers": (None, "empty"),
    "CreateAllowlistIdentifier": ({"identifier": "victim@example.com"}, "own"),
    "DeleteAllowlistIdentifier": (None, "404"),
    "ListBlocklistIdentifiers": (None, "empty"),
    "CreateBlocklistIdentifier": ({"identifier": "victim@example.com"}, "own"),
    "DeleteBlocklistIdentifier": (None, "404"),
    # Invitations, sign-ups and the waitlist (RevokeInvitation is called with A's instance invitation, below).
    "CreateInvitation": (None, "own"),
    "ListInvitations": (None, "empty"),
    "CreateBulkInvitations": (None, "own"),
    "RevokeInvitation": (None, "404"),
    "GetSignUp": (None, "404"),
    "UpdateSignUp": ({"external_id": "mallory"}, "404"),
    "ListWaitlistEntries": (None, "empty"),
    "CreateWaitlistEntry": (None, "own"),
    "CreateBulkWaitlistEntries": (None, "own"),
    "DeleteWaitlistEntry": (None, "404"),
    "InviteWaitlistEntry": ({}, "404"),
    "RejectWaitlistEntry": (None, "404"),
    # Domains and redirect URLs: B has its own primary domain; A's satellite and URLs stay out of reach.
    "ListDomains": (None, "own"),
    "AddDomain": ({"name": "victim-satellite.example.com", "is_satellite": True}, "own"),
    "UpdateDomain": ({"name": "mallory.example.com"}, "404"),
    "DeleteDomain": (None, "404"),
    "VerifyDomainProxy": ({"domain_id": "{satellite_domain_id}", "proxy_url": "http://127.0.0.1:9/__clerk"}, "404"),
    "ListRedirectURLs": (None, "empty"),
    "CreateRedirectURL": ({"url": "https://victim.example.com/callback"}, "own"),
    "GetRedirectURL": (None, "404"),
    "DeleteRedirectURL": (None, "404"),
    # Directories, under both names: A's connection can't be given a directory by B (CreateXDirectory
    # declares no 404: a connection not found is a form error), nor A's directory read or changed.
    "ListSCIMDirectories": (None, "empty"),
    "CreateSCIMDirectory": ({"enterprise_connection_id": "{directory_connection_id}", "provider": "okta"}, "422"),
    "GetSCIMDirectory": (None, "404"),
    "UpdateSCIMDirectory": ({"enabled": False, "attribute_mapping": {"username": None}}, "404"),
    "DeleteSCIMDirectory": (None, "404"),
    "ListDirectories": (None, "empty"),
    "CreateDirectory": ({"enterprise_connection_id": "{directory_connection_id}", "provider": "okta"}, "422"),
    "GetDirectory": (None, "404"),
    "UpdateDirectory": ({"enabled": False, "attribute_mapping": {"username": None}}, "404"),
    "DeleteDirectory": (None, "404"),
    # Public, about no instance's data: without its query parameters it is refused.
    "GetPublicInterstitial": (None, "400"),
    # Enterprise SSO: B can't attach A's organization, and reaches none of A's connections or test runs.
    "ListSAMLConnections": (None, "empty"),
    "CreateSAMLConnection": (
        {
            "name": "Mallory",
            "provider": "saml_custom",
            "domains": ["mallory.example.com"],
            "organization_id": "{organization_id}",
        },
        "404",
    ),
    "GetSAMLConnection": (None, "404"),
    "UpdateSAMLConnection": ({"name": "Mallory"}, "404"),
    "DeleteSAMLConnection": (None, "404"),
    "ListEnterpriseConnections": (None, "empty"),
    "CreateEnterpriseConnection": (
        {
            "name": "Mallory",
            "provider": "saml_custom",
            "domains": ["mallory.example.com"],
            "organization_id": "{organization_id}",
        },
        "404",
    ),
    "GetEnterpriseConnection": (None, "404"),
    "UpdateEnterpriseConnection": ({"name": "Mallory"}, "404"),
    "DeleteEnterpriseConnection": (None, "404"),
    "ListEnterpriseConnectionTestRuns": (None, "404"),
    "CreateEnterpriseConnectionTestRun": (None, "404"),
    "GetCommercePlanList": (None, "empty"),
    "GetBillingPriceList": (None, "empty"),
    "CreateBillingPrice": ({"plan_id": "{plan_id}", "amount": 500}, "404"),
    "GetCommerceSubscriptionItemList": (None, "empty"),
    "CancelCommerceSubscriptionItem": (None, "404"),
    "ExtendBillingSubscriptionItemFreeTrial": ({"extend_to": "2099-01-01T00:00:00Z"}, "404"),
    "CreateBillingPriceTransition": ({"from_price_id": "{price_id}", "to_price_id": "{price_id}"}, "404"),
    "GetBillingStatementList": (None, "empty"),
    "GetBillingStatement": (None, "404"),
    "GetBillingStatementPaymentAttempts": (None, "404"),
    "GetUserBillingSubscription": (None, "404"),
    "GetOrganizationBillingSubscription": (None, "404"),
    # Billing credits and discounts: A's payers, items and discounts are out of reach.
    "GetUserBillingCreditBalance": (None, "404"),
    "AdjustUserBillingCreditBalance": ({"amount": 100, "action": "increase", "idempotency_key": "mallory"}, "404"),
    "GetOrganizationBillingCreditBalance": (None, "404"),
    "AdjustOrganizationBillingCreditBalance": (
        {"amount": 100, "action": "increase", "idempotency_key": "mallory"},
        "404",
    ),
    "ApplyBillingSubscriptionItemDiscount": ({"discount_id": "{discount_id}"}, "404"),
    "RemoveBillingSubscriptionItemDiscount": (None, "404"),
}
# What a production B gets instead: development-only operations are refused before any look-up, and
# the production-only domain changes change B's own domain (A's settings are checked unchanged below).
PRODUCTION_OUTCOMES = {
    "createSession": "400",
    "UpdateProductionInstanceDomain": "202",
    "ChangeProductionInstanceDomain": "202",
}
EMPTY = ([], {"object": "total_count", "total_count": 0}, {"data": [], "total_count": 0})
LOCUM_CALLS = {
    "external_accounts": {"provider": "oauth_github", "provider_user_id": "mallory"},
    "passkeys": {"name": "Mallory's key"},
    "web3_wallets": {"web3_wallet": "0x" + "d" * 40},
    "trusted_devices": {"platform": "ios", "app_identifier": "com.mallory.app"},
}

# A's discount through B's key (each must be 404): (method, path)
LOCUM_DISCOUNT_CALLS = [
    ("GET", "/locum/billing/discounts/{discount_id}"),
    ("DELETE", "/locum/billing/discounts/{discount_id}"),
]

# A's webhook endpoint and message log through B's key (each must be 404): (method, path, body)
LOCUM_WEBHOOK_CALLS = [
    ("GET", "/locum/webhooks/endpoints/{webhook_endpoint_id}", None),
    ("PATCH", "/locum/webhooks/endpoints/{webhook_endpoint_id}", {"enabled": False}),
    ("POST", "/locum/webhooks/endpoints/{webhook_endpoint_id}/rotate_secret", None),
    ("DELETE", "/locum/webhooks/endpoints/{webhook_endpoint_id}", None),
    ("GET", "/locum/webhooks/messages?endpoint_id={webhook_endpoint_id}", None),
]

# A's billing through locum's own endpoints (each must be 404): (method, path, body)
LOCUM_BILLING_CALLS = [
    ("GET", "/locum/billing/plans/{plan_id}", None),
    ("PATCH", "/locum/billing/plans/{plan_id}", {"name": "Mallory's"}),
    ("DELETE", "/locum/billing/plans/{plan_id}", None),
    ("POST", "/locum/billing/subscriptions", {"payer": "{user_id}", "plan_id": "{plan_id}"}),
    ("POST", "/locum/billing/subscription_items/{subscription_item_id}/advance", None),
]

# Listing and creating instances reaches across them: only the default instance's key may (403).
LOCUM_INSTANCE_CALLS = [
    ("GET", "/locum/instances", None),
    ("POST", "/locum/instances", {"environment_type": "production"}),
]

# what a browser would do with instance A's tokens, sent with B's key: (path, body, status)
LOCUM_FRONTEND_CALLS = [
    ("/locum/sessions/{session_id}/frontend_credentials", None, 404),
    ("/locum/sign_in_tokens/consume", {"token": "{sign_in_token}"}, 400),
    ("/locum/actor_tokens/consume", {"token": "{actor_token}"}, 400),
    ("/locum/agent_tasks/consume", {"token": "{agent_task_token}"}, 400),
    ("/locum/sign_ups", {"ticket": "{invitation_ticket}"}, 400),
    ("/locum/oauth_applications/{oauth_application_id}/access_tokens", {"user_id": "{user_id}"}, 404),
    (
        "/locum/users/{user_id}/enterprise_accounts",
        {"enterprise_connection_id": "{enterprise_connection_id}", "email_address": "mallory@example.com"},
        404,
    ),
]


@pytest.fixture
async def victim(app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys) -> dict[str, str]:
    """Instance A's user with one of each thing an operation can address; returns the path ids."""
    user = await make_user(
        client,
        phone_number=["+14155550123"],
        web3_wallet=["0x" + "a" * 40],
        password=PASSWORD,
        totp_secret="JBSWY3DPEHPK3PXP",
        backup_codes=["code-one"],
        username="victim_user",
    )
    user_id = user["id"]
    for collection, body in (
        ("external_accounts", {"provider": "oauth_google", "provider_user_id": "g-1", "access_token": "ya29.token"}),
        ("passkeys", {"name": "Laptop"}),
    ):
        assert (await client.post(f"/locum/users/{user_id}/{collection}", json=body)).status_code == 200
    device = await client.post(
        f"/locum/users/{user_id}/trusted_devices", json={"platform": "ios", "app_identifier": "a.b"}
    )
    image = await client.post(f"/v1/users/{user_id}/profile_image", files={"file": ("a.png", png_bytes(), "image/png")})
    assert image.status_code == 200
    full = (await client.get(f"/v1/users/{user_id}")).json()
    organization = await client.post("/v1/organizations", json={"name": "Victim Corp", "created_by": user_id})
    invitation = await client.post(
        f"/v1/organizations/{organization.json()['id']}/invitations",
        json={"email_address": "invitee@example.com", "role": "org:member"},
    )
    await client.patch("/v1/instance/organization_settings", json={"domains_enabled": True})
    domain = await client.post(
        f"/v1/organizations/{organization.json()['id']}/domains", json={"name": "victim-corp.com"}
    )
    permission = await client.post(
        "/v1/organization_permissions", json={"name": "Read reports", "key": "org:reports:read", "description": "r"}
    )
    role = await client.post(
        "/v1/organization_roles",
        json={"name": "Auditor", "key": "org:auditor", "description": "a", "permissions": [permission.json()["id"]]},
    )
    role_set = await client.post(
        "/v1/role_sets",
        json={
            "name": "Victim set",
            "default_role_key": "org:member",
            "creator_role_key": "org:admin",
            "roles": ["org:admin", "org:member"],
        },
    )
    for created in (organization, invitation, domain, permission, role, role_set):
        assert created.status_code == 200, created.text
    session = await client.post("/v1/sessions", json={"user_id": user_id})
    assert session.status_code == 200, session.text
    credentials = await client.post(f"/locum/sessions/{session.json()['id']}/frontend_credentials")
    assert credentials.status_code == 200, credentials.text
    template = await client.post("/v1/jwt_templates", json={"name": "victim_template", "claims": {"u": "{{user.id}}"}})
    assert template.status_code == 200, template.text
    override = await client.put("/v1/templates/email/verification_code", json={"name": "Victim's code"})
    assert override.status_code == 200, override.text
    actor_token = await client.post("/v1/actor_tokens", json={"user_id": user_id, "actor": {"sub": "user_admin"}})
    sign_in_token = await client.post("/v1/sign_in_tokens", json={"user_id": user_id})
    assert actor_token.status_code == sign_in_token.status_code == 200
    agent_task = await client.post(
        "/v1/agents/tasks",
        json={
            "on_behalf_of": {"user_id": user_id},
            "permissions": "*",
            "agent_name": "victim-agent",
            "task_description": "Check the dashboard",
            "redirect_url": "http://localhost:3000",
        },
    )
    portal_token = await client.post(
        "/v1/admin_portal_link_tokens", json={"organization_id": organization.json()["id"]}
    )
    assert agent_task.status_code == 200 and portal_token.status_code == 201
    assert (await client.post("/v1/webhooks/svix")).status_code == 200
    endpoint = await client.post("/locum/webhooks/endpoints", json={"url": "http://localhost:3000/victim"})
    assert endpoint.status_code == 200, endpoint.text
    verification = await client.post(
        f"/v1/email_addresses/{full['primary_email_address_id']}/prepare_verification", json={"strategy": "email_code"}
    )
    oauth_application = await client.post("/v1/oauth_applications", json={"name": "Victim's app"})
    assert oauth_application.status_code == 200, oauth_application.text
    oauth_access_token = await client.post(
        f"/locum/oauth_applications/{oauth_application.json()['id']}/access_tokens", json={"user_id": user_id}
    )
    assert oauth_access_token.status_code == 200, oauth_access_token.text
    api_key = await client.post("/v1/api_keys", json={"name": "Victim's key", "subject": user_id})
    assert api_key.status_code == 201, api_key.text
    other_machine = await make_machine(client, name="victim peer")
    machine = await make_machine(client, name="victim", scoped_machines=[other_machine["id"]])
    async with api_client(app, machine["secret_key"]) as as_machine:
        m2m_token = await make_m2m_token(as_machine)
    allowlisted = await client.post("/v1/allowlist_identifiers", json={"identifier": "victim@example.com"})
    blocklisted = await client.post("/v1/blocklist_identifiers", json={"identifier": "victim@example.com"})
    assert allowlisted.status_code == blocklisted.status_code == 200
    waitlist_entry = await client.post("/v1/waitlist_entries", json={"email_address": "waiting@example.com"})
    instance_invitation = await client.post("/v1/invitations", json={"email_address": "newcomer@example.com"})
    accepted_invitation = await client.post("/v1/invitations", json={"email_address": "joined@example.com"})
    for created in (waitlist_entry, instance_invitation, accepted_invitation):
        assert created.status_code == 200, created.text
    sign_up = await client.post(
        "/locum/sign_ups",
        json={"ticket": httpx.URL(accepted_invitation.json()["url"]).params["__clerk_ticket"]},
    )
    assert sign_up.status_code == 200, sign_up.text
    satellite = await make_satellite_domain(client, "victim-satellite.example.com")
    redirect_url = await make_redirect_url(client, "https://victim.example.com/callback")
    connection = await make_enterprise_connection(
        client, domains=["victim-sso.example.com"], organization_id=organization.json()["id"]
    )
    account = await client.post(
        f"/locum/users/{user_id}/enterprise_accounts",
        json={"enterprise_connection_id": connection["id"], "email_address": "victim@victim-sso.example.com"},
    )
    assert account.status_code == 200, account.text
    test_run = await client.post(f"/v1/enterprise_connections/{connection['id']}/test_runs")
    assert test_run.status_code == 200, test_run.text
    # A second connection, without a directory, for B to try to give one.
    directory_connection_id = (await make_enterprise_connection(client))["id"]
    directory = await make_directory(client, (await make_enterprise_connection(client))["id"])
    plan = await make_plan(client, slug="victim_pro", free_trial_days=14)
    org_plan = await make_plan(client, slug="victim_team", payer_type="org")
    trial = await subscribe(client, user_id, plan["id"], free_trial=True)
    await subscribe(client, organization.json()["id"], org_plan["id"])
    statement = (await client.get("/v1/billing/statements")).json()["data"][0]
    subscription_item_id = trial["subscription_items"][0]["id"]
    discount = await make_discount(client)
    applied = await client.post(
        f"/v1/billing/subscription_items/{subscription_item_id}/discounts", json={"discount_id": discount["id"]}
    )
    assert applied.status_code == 200, applied.text
    await adjust_credits(client, f"/v1/users/{user_id}", 1000)
    await adjust_credits(client, f"/v1/organizations/{organization.json()['id']}", 1000)
    return {
        "user_id": user_id,
        "waitlist_entry_id": waitlist_entry.json()["id"],
        "instance_invitation_id": instance_invitation.json()["id"],
        "invitation_ticket": httpx.URL(instance_invitation.json()["url"]).params["__clerk_ticket"],
        "id": sign_up.json()["sign_up"]["id"],
        "email_address_id": full["primary_email_address_id"],
        "phone_number_id": full["primary_phone_number_id"],
        "web3_wallet_identification_id": full["primary_web3_wallet_id"],
        "passkey_identification_id": full["passkeys"][0]["id"],
        "external_account_id": full["external_accounts"][0]["id"],
        "trusted_device_id": device.json()["id"],
        "verification_id": verification.json()["id"],
        "provider": "oauth_google",
        "organization_id": organization.json()["id"],
        "invitation_id": invitation.json()["id"],
        "domain_id": domain.json()["id"],
        "organization_role_id": role.json()["id"],
        "permission_id": permission.json()["id"],
        "role_set_key_or_id": role_set.json()["id"],
        "session_id": session.json()["id"],
        "client_id": session.json()["client_id"],
        "session_token": credentials.json()["session_token"],
        "refresh_token": credentials.json()["refresh_token"],
        "client_token": credentials.json()["client_token"],
        "template_id": template.json()["id"],
        "template_type": "email",
        "slug": "verification_code",
        "template_name": "victim_template",
        "actor_token_id": actor_token.json()["id"],
        "actor_token": actor_token.json()["token"],
        "sign_in_token_id": sign_in_token.json()["id"],
        "sign_in_token": sign_in_token.json()["token"],
        "webhook_endpoint_id": endpoint.json()["id"],
        "agent_task_id": agent_task.json()["agent_task_id"],
        "agent_task_token": httpx.URL(agent_task.json()["url"]).params["token"],
        "adminPortalLinkTokenID": portal_token.json()["id"],
        "oauth_application_id": oauth_application.json()["id"],
        "oauth_access_token": oauth_access_token.json()["access_token"],
        "apiKeyID": api_key.json()["id"],
        "api_key_secret": api_key.json()["secret"],
        "machine_id": machine["id"],
        "other_machine_id": other_machine["id"],
        "m2m_token_id": m2m_token["id"],
        "m2m_token": m2m_token["token"],
        # Both delete paths name `identifier_id`: the allow-list's, and the block-list's apart.
        "identifier_id": allowlisted.json()["id"],
        "blocklist_identifier_id": blocklisted.json()["id"],
        "satellite_domain_id": satellite["id"],
        # /redirect_urls/{id} (`id` itself is the sign-up's, for /sign_ups/{id})
        "redirect_url_id": redirect_url["id"],
        "enterprise_connection_id": connection["id"],
        "saml_connection_id": connection["saml_connection"]["id"],
        "directory_connection_id": directory_connection_id,
        "scim_directory_id": directory["id"],
        "directory_id": directory["id"],
        "plan_id": plan["id"],
        "price_id": trial["subscription_items"][0]["price_id"],
        "statementID": statement["id"],
        "subscription_item_id": subscription_item_id,
        "discount_id": discount["id"],
    }


@pytest.fixture(params=["development", "production"])
async def attacker(app: FastAPI, request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """Instance B: (its environment, a client with its key)."""
    keys = await new_instance(app, environment_type=request.param)
    async with api_client(app, keys.secret_key) as http:
        yield request.param, http


def fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        return re.sub(r"\{(\w+)\}", lambda match: ids[match.group(1)], template)
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    return template


def test_every_implemented_operation_is_listed(app: FastAPI) -> None:
    assert set(implemented_operations(app)) == set(CALLS)


async def test_another_instance_reaches_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    attacker: tuple[str, httpx.AsyncClient],
    victim: dict[str, str],
    recorded_events: RecordedEvents,
) -> None:
    environment, other_client = attacker
    before = (await client.get(f"/v1/users/{victim['user_id']}")).json()
    events_before = await recorded_events()
    leaks = []
    for operation_id, (method, path) in implemented_operations(app).items():
        body, expected = CALLS[operation_id]
        if environment == "production":
            expected = PRODUCTION_OUTCOMES.get(operation_id, expected)
        url = "/v1" + fill(path, victim)
        if operation_id == "DeleteBlocklistIdentifier":
            url = "/v1" + fill(path, victim | {"identifier_id": victim["blocklist_identifier_id"]})
        if operation_id in ("GetRedirectURL", "DeleteRedirectURL"):
            url = "/v1" + fill(path, victim | {"id": victim["redirect_url_id"]})
        if operation_id in ("SetUserProfileImage", "UploadOrganizationLogo", "UploadOAuthApplicationLogo"):
            response = await other_client.request(method, url, files={"file": ("a.png", png_bytes(), "image/png")})
        elif operation_id in ("GetUserList", "GetUsersCount"):
            response = await other_client.get(url, params={"user_id": victim["user_id"]})
        elif operation_id == "getApiKeys":
            response = await other_client.get(url, params={"subject": victim["user_id"]})
        elif operation_id == "getM2MTokens":
            response = await other_client.get(url, params={"subject": victim["machine_id"]})
        elif operation_id == "RevokeInvitation":
            response = await other_client.post(f"/v1/invitations/{victim['instance_invitation_id']}/revoke")
        else:
            response = await other_client.request(method, url, json=fill(body, victim))
        if expected.isdigit() and response.status_code != int(expected):
            leaks.append(f"{operation_id}: {response.status_code} {response.text[:200]}")
        if expected == "empty" and response.json() not in EMPTY:
            leaks.append(f"{operation_id}: {response.text[:200]}")
    for collection, body in LOCUM_CALLS.items():
        response = await other_client.post(f"/locum/users/{victim['user_id']}/{collection}", json=body)
        if response.status_code != 404:
            leaks.append(f"/locum/{collection}: {response.status_code}")
    for path, body, expected_status in LOCUM_FRONTEND_CALLS:
        response = await other_client.post(fill(path, victim), json=fill(body, victim))
        if response.status_code != expected_status:
            leaks.append(f"{path}: {response.status_code} {response.text[:200]}")
    for method, path in LOCUM_DISCOUNT_CALLS:
        response = await other_client.request(method, fill(path, victim))
        if response.status_code != 404:
            leaks.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    if (await other_client.get("/locum/billing/discounts")).json()["total_count"] != 0:
        leaks.append("GET /locum/billing/discounts lists A's discounts")
    for method, path, body in LOCUM_WEBHOOK_CALLS:
        response = await other_client.request(method, fill(path, victim), json=body)
        if response.status_code != 404:
            leaks.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    for method, path, body in LOCUM_BILLING_CALLS:
        response = await other_client.request(method, fill(path, victim), json=fill(body, victim))
        if response.status_code != 404:
            leaks.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    if (await other_client.get("/locum/billing/plans")).json() not in EMPTY:
        leaks.append("GET /locum/billing/plans lists A's plans")
    for method, path, body in LOCUM_INSTANCE_CALLS:
        response = await other_client.request(method, path, json=body)
        if response.status_code != 403:
            leaks.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    assert not leaks, "\n".join(leaks)
    # A's Svix app and endpoint are as they were, whatever B did with its own app.
    assert (await client.post("/v1/webhooks/svix_url")).status_code == 200
    endpoint = (await client.get(f"/locum/webhooks/endpoints/{victim['webhook_endpoint_id']}")).json()
    assert endpoint["enabled"] is True
    assert (await client.get(f"/v1/users/{victim['user_id']}")).json() == before
    assert (await client.get(f"/v1/users/{victim['user_id']}/billing/credits")).json()["balance"]["amount"] == 1000
    organization_credits = await client.get(f"/v1/organizations/{victim['organization_id']}/billing/credits")
    assert organization_credits.json()["balance"]["amount"] == 1000
    assert (await client.get("/v1/templates/email/verification_code")).json()["name"] == "Victim's code"
    # A's settings are Clerk's defaults still, whatever B set for itself.
    assert (await client.get("/v1/instance")).json()["allowed_origins"] == []
    assert (await client.patch("/v1/instance/restrictions", json={})).json()["allowlist"] is False
    assert (await client.get("/v1/instance/communication")).json()["blocked_country_codes"] == []
    assert (await client.get("/v1/instance/protect")).json()["rules_enabled"] is False
    assert (await client.get("/v1/instance/oauth_application_settings")).json()["oauth_jwt_access_tokens"] is False
    assert await recorded_events() == events_before


async def test_each_instance_has_its_own_signing_key(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    ours = (await client.get("/v1/jwks")).json()["keys"]
    theirs = (await other_client.get("/v1/jwks")).json()["keys"]
    assert {key["kid"] for key in ours}.isdisjoint(key["kid"] for key in theirs)
