"""Enterprise connections and the deprecated SAML connections through the official SDK.

The server's instance is shared with other SDK tests, so domains are unique per test and what a
test creates it deletes again.
"""

import secrets

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.builders import idp_certificate_pem, idp_metadata_xml
from tests.sdk.conftest import LocumServer, new_user


def unique_domain() -> str:
    return f"sso-{secrets.token_hex(4)}.example.com"


def test_enterprise_connection_lifecycle_with_test_runs(clerk: Clerk) -> None:
    domain = unique_domain()
    created = clerk.enterprise_connections.create(
        request={
            "name": "SDK SSO",
            "provider": "saml_custom",
            "domains": [domain.upper()],
            "active": True,
            "saml": {"idp_metadata": idp_metadata_xml(certificate_pem=idp_certificate_pem())},
            "custom_attributes": [{"name": "Department", "key": "department", "sso_path": "dept"}],
        }
    )
    assert created.id.startswith("entconn_") and created.domains == [domain] and created.active is True
    assert created.saml_connection is not None and created.saml_connection.idp_sso_url == "https://idp.example.com/sso"
    assert clerk.enterprise_connections.get(enterprise_connection_id=created.id) == created
    listed = clerk.enterprise_connections.list(active=True, limit=500)
    assert created.id in [connection.id for connection in listed.data]

    updated = clerk.enterprise_connections.update(
        enterprise_connection_id=created.id, name="SDK SSO renamed", saml={"allow_subdomains": True}
    )
    assert updated.name == "SDK SSO renamed" and updated.saml_connection is not None
    assert updated.saml_connection.allow_subdomains is True

    started = clerk.enterprise_connections.create_test_run(enterprise_connection_id=created.id)
    assert created.id in started.url
    runs = clerk.enterprise_connections.list_test_runs(enterprise_connection_id=created.id, status=["success"])
    assert runs.total_count == 1 and runs.data[0].status == "success" and runs.data[0].connection_type == "saml"

    deleted = clerk.enterprise_connections.delete(enterprise_connection_id=created.id)
    assert (deleted.object, deleted.id, deleted.deleted) == ("enterprise_connection", created.id, True)
    with pytest.raises(models.ClerkErrors):
        clerk.enterprise_connections.get(enterprise_connection_id=created.id)


def test_oidc_connection_never_shows_its_client_secret(clerk: Clerk) -> None:
    created = clerk.enterprise_connections.create(
        request={
            "name": "SDK OIDC",
            "provider": "oidc_custom",
            "domains": [unique_domain()],
            "oidc": {
                "client_id": "client-1",
                "client_secret": "s3cr3t-value",
                "discovery_url": "https://idp.example.com/.well-known/openid-configuration",
            },
        }
    )
    try:
        assert created.oauth_config is not None and created.oauth_config.client_id == "client-1"
        assert "s3cr3t-value" not in created.model_dump_json()
    finally:
        clerk.enterprise_connections.delete(enterprise_connection_id=created.id)


def test_saml_connection_lifecycle(clerk: Clerk) -> None:
    created = clerk.saml_connections.create(
        request={"name": "SDK SAML", "provider": "saml_okta", "domains": [unique_domain()]}
    )
    assert created.id.startswith("samlc_") and created.active is False and created.user_count == 0
    assert clerk.saml_connections.get(saml_connection_id=created.id).id == created.id
    assert created.id in [c.id for c in clerk.saml_connections.list(query="SDK SAML", limit=500).data]
    activated = clerk.saml_connections.update(
        saml_connection_id=created.id,
        idp_entity_id="https://okta.example.com/entity",
        idp_sso_url="https://okta.example.com/sso",
        idp_certificate=idp_certificate_pem(),
        active=True,
    )
    assert activated.active is True and activated.idp_certificate_expires_at is not None
    deleted = clerk.saml_connections.delete(saml_connection_id=created.id)
    assert (deleted.object, deleted.id, deleted.deleted) == ("saml_connection", created.id, True)


def test_a_users_saml_and_enterprise_accounts_parse(clerk: Clerk, server: LocumServer) -> None:
    connection = clerk.saml_connections.create(
        request={"name": "SDK accounts", "provider": "saml_custom", "domains": [unique_domain()]}
    )
    user = new_user(clerk)
    try:
        attached = httpx.post(
            f"{server.origin}/locum/users/{user.id}/enterprise_accounts",
            headers={"Authorization": f"Bearer {server.secret_key}"},
            json={
                "enterprise_connection_id": connection.enterprise_connection_id,
                "email_address": "someone@example.com",
                "provider_user_id": "idp-user-1",
            },
        )
        assert attached.status_code == 200, attached.text
        fetched = clerk.users.get(user_id=user.id)
        assert [account.email_address for account in fetched.enterprise_accounts] == ["someone@example.com"]
        assert fetched.saml_accounts[0].saml_connection is not None
        assert clerk.saml_connections.get(saml_connection_id=connection.id).user_count == 1
        clerk.saml_connections.delete(saml_connection_id=connection.id)
        assert clerk.users.get(user_id=user.id).enterprise_accounts == []
    finally:
        clerk.users.delete(user_id=user.id)


# Each level multiplies by ten: expanded, `&lol9;` would be 10⁹ copies of "lol".
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n  <!ENTITY lol0 "lol">\n'
    + "".join(f'  <!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">\n' for level in range(1, 10))
    + ']>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol9;"/>\n'
)


def test_malicious_metadata_is_refused_and_the_server_keeps_serving(clerk: Clerk, server: LocumServer) -> None:
    """The served process, not just the app: an XML bomb and a 50 MB document each get a Clerk error
    (an expansion or a full read would stall the single worker past the 30 s timeout), and the next
    request is answered."""
    with pytest.raises(models.ClerkErrors) as bomb:
        clerk.enterprise_connections.create(
            request={
                "name": "Bomb",
                "provider": "saml_custom",
                "domains": [unique_domain()],
                "saml": {"idp_metadata": BILLION_LAUGHS},
            }
        )
    assert bomb.value.data.errors[0].code == "form_param_format_invalid"
    huge = {
        "name": "Huge",
        "provider": "saml_custom",
        "domains": [unique_domain()],
        "saml": {"idp_metadata": "<a>" + "x" * (50 * 1024 * 1024) + "</a>"},
    }
    response = httpx.post(
        f"{server.api_url}/enterprise_connections",
        json=huge,
        headers={"Authorization": f"Bearer {server.secret_key}"},
        timeout=30,
    )
    assert response.status_code == 413 and response.json()["errors"][0]["code"] == "request_body_too_large"
    assert httpx.get(f"{server.origin}/healthz", timeout=30).status_code == 200
    assert clerk.enterprise_connections.list().data is not None
