"""Enterprise connections: CRUD, domains, IdP metadata and certificates, OIDC clients, test runs,
and users' accounts on them (POST /locum/users/{id}/enterprise_accounts)."""

import asyncio
import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import EnterpriseConnection
from locum.resources.enterprise_connections.idp_metadata import IDP_METADATA_MAX_BYTES
from tests.builders import (
    certificate_body,
    clerk_error,
    idp_certificate_pem,
    idp_metadata_xml,
    inspection_session,
    make_enterprise_connection,
    make_organization,
    make_user,
)
from tests.fake_proxy import fake_proxy

NOW = datetime.datetime.now(datetime.UTC)


def saml_settings(**overrides: Any) -> dict[str, Any]:
    return {"idp_metadata": idp_metadata_xml(certificate_pem=idp_certificate_pem())} | overrides


def oidc_settings(**overrides: Any) -> dict[str, Any]:
    return {
        "client_id": "client-123",
        "client_secret": "top-secret-value",
        "discovery_url": "https://login.example.com/.well-known/openid-configuration",
    } | overrides


async def attach_account(client: httpx.AsyncClient, user_id: str, connection_id: str, **body: Any) -> httpx.Response:
    return await client.post(
        f"/locum/users/{user_id}/enterprise_accounts",
        json={"enterprise_connection_id": connection_id, "email_address": "sso@example.com"} | body,
    )


class TestCreateEnterpriseConnection:
    async def test_saml_metadata_gives_the_idp_configuration_and_the_connection_can_be_active(
        self, client: httpx.AsyncClient
    ) -> None:
        pem = idp_certificate_pem()
        connection = await make_enterprise_connection(
            client,
            active=True,
            saml={"idp_metadata": idp_metadata_xml(entity_id="https://idp.acme.test/e", certificate_pem=pem)},
        )
        saml = connection["saml_connection"]
        assert connection["active"] is True and connection["authenticatable"] is True
        assert connection["id"].startswith("entconn_") and saml["id"].startswith("samlc_")
        assert (saml["idp_entity_id"], saml["idp_sso_url"]) == (
            "https://idp.acme.test/e",
            "https://idp.example.com/sso",
        )
        assert saml["acs_url"].startswith("https://") and saml["acs_url"].endswith(f"/v1/saml/acs/{saml['id']}")
        assert connection["oauth_config"] is None

    async def test_domains_are_lowercased_and_each_kept_once(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client, domains=["Acme.COM", "acme.com.", "eu.acme.com"])
        assert connection["domains"] == ["acme.com", "eu.acme.com"]

    @pytest.mark.parametrize(
        "domain",
        [
            pytest.param("localhost", id="single-label"),
            pytest.param("exa mple.com", id="space"),
            pytest.param("-bad.example.com", id="leading-hyphen"),
            pytest.param("a" * 64 + ".com", id="label-too-long"),
            pytest.param("https://example.com", id="url"),
            pytest.param("10.0.0.1", id="ip-address"),
        ],
    )
    async def test_a_domain_that_is_no_fqdn_is_refused(self, client: httpx.AsyncClient, domain: str) -> None:
        response = await client.post(
            "/v1/enterprise_connections", json={"name": "A", "provider": "saml_custom", "domains": [domain]}
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "domains")

    async def test_domains_are_required(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/enterprise_connections", json={"name": "A", "provider": "saml_custom", "domains": []}
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "domains")

    async def test_a_domain_belongs_to_one_connection(self, client: httpx.AsyncClient) -> None:
        await make_enterprise_connection(client, domains=["taken.example.com"])
        response = await client.post(
            "/v1/enterprise_connections",
            json={"name": "B", "provider": "oidc_custom", "domains": ["other.example.com", "TAKEN.example.com"]},
        )
        assert clerk_error(response) == (409, "form_identifier_exists", "domains")
        listed = (await client.get("/v1/enterprise_connections")).json()
        assert listed["total_count"] == 1

    async def test_concurrent_claims_of_one_domain_make_one_connection(self, client: httpx.AsyncClient) -> None:
        body = {"name": "Race", "provider": "saml_custom", "domains": ["race.example.com"]}
        responses = await asyncio.gather(*(client.post("/v1/enterprise_connections", json=body) for _ in range(4)))
        assert sorted(response.status_code for response in responses) == [201, 409, 409, 409]
        assert (await client.get("/v1/enterprise_connections")).json()["total_count"] == 1

    async def test_another_instance_may_route_the_same_domain(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await make_enterprise_connection(client, domains=["shared.example.com"])
        assert (await make_enterprise_connection(other_client, domains=["shared.example.com"]))["domains"] == [
            "shared.example.com"
        ]

    async def test_the_organization_must_exist_in_the_instance(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        foreign = await make_organization(other_client)
        response = await client.post(
            "/v1/enterprise_connections",
            json={
                "name": "A",
                "provider": "saml_custom",
                "domains": ["a.example.com"],
                "organization_id": foreign["id"],
            },
        )
        assert clerk_error(response)[:2] == (404, "resource_not_found")
        organization = await make_organization(client)
        linked = await make_enterprise_connection(client, organization_id=organization["id"])
        assert linked["organization_id"] == organization["id"]

    @pytest.mark.parametrize(
        "saml",
        [
            pytest.param(None, id="no-saml-settings"),
            pytest.param(
                {"idp_entity_id": "https://idp.example.com", "idp_sso_url": "https://idp.example.com/sso"},
                id="no-certificate",
            ),
        ],
    )
    async def test_an_active_saml_connection_needs_entity_id_sso_url_and_certificate(
        self, client: httpx.AsyncClient, saml: dict[str, Any] | None
    ) -> None:
        response = await client.post(
            "/v1/enterprise_connections",
            json={"name": "A", "provider": "saml_custom", "domains": ["a.example.com"], "active": True, "saml": saml},
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "active")

    async def test_individual_idp_fields_with_a_pem_certificate(self, client: httpx.AsyncClient) -> None:
        not_before = NOW.replace(microsecond=0) - datetime.timedelta(days=1)
        not_after = not_before + datetime.timedelta(days=30)
        pem = idp_certificate_pem(not_before=not_before, not_after=not_after)
        connection = await make_enterprise_connection(
            client,
            active=True,
            saml={"idp_entity_id": "urn:acme", "idp_sso_url": "https://idp.acme.test/sso", "idp_certificate": pem},
        )
        saml = (await client.get(f"/v1/saml_connections/{connection['saml_connection']['id']}")).json()
        assert saml["idp_certificate_issued_at"] == int(not_before.timestamp() * 1000)
        assert saml["idp_certificate_expires_at"] == int(not_after.timestamp() * 1000)

    async def test_an_expired_certificate_is_refused(self, client: httpx.AsyncClient) -> None:
        pem = idp_certificate_pem(
            not_before=NOW - datetime.timedelta(days=60), not_after=NOW - datetime.timedelta(days=1)
        )
        response = await client.post(
            "/v1/enterprise_connections",
            json={
                "name": "A",
                "provider": "saml_custom",
                "domains": ["a.example.com"],
                "saml": {"idp_certificate": pem},
            },
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "idp_certificate")

    @pytest.mark.parametrize(
        "certificate",
        [
            pytest.param("not a certificate", id="text"),
            pytest.param("QUJDRA==", id="base64-not-der"),
            pytest.param("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", id="pem-garbage"),
        ],
    )
    async def test_a_certificate_that_does_not_parse_is_refused(
        self, client: httpx.AsyncClient, certificate: str
    ) -> None:
        response = await client.post(
            "/v1/enterprise_connections",
            json={
                "name": "A",
                "provider": "saml_custom",
                "domains": ["a.example.com"],
                "saml": {"idp_certificate": certificate},
            },
        )
        assert clerk_error(response) == (422, "form_param_format_invalid", "idp_certificate")

    async def test_a_bare_base64_der_certificate_is_accepted(self, client: httpx.AsyncClient) -> None:
        body = certificate_body(idp_certificate_pem())
        connection = await make_enterprise_connection(client, saml={"idp_certificate": body})
        saml = (await client.get(f"/v1/saml_connections/{connection['saml_connection']['id']}")).json()
        assert saml["idp_certificate"] == body and saml["idp_certificate_expires_at"] is not None

    async def test_the_post_binding_is_used_when_the_idp_has_no_redirect_binding(
        self, client: httpx.AsyncClient
    ) -> None:
        metadata = idp_metadata_xml(sso_url="https://idp.example.com/post", binding="HTTP-POST")
        connection = await make_enterprise_connection(client, saml={"idp_metadata": metadata})
        assert connection["saml_connection"]["idp_sso_url"] == "https://idp.example.com/post"

    async def test_metadata_is_fetched_from_its_url(self, client: httpx.AsyncClient) -> None:
        with fake_proxy("/metadata") as idp:
            idp.body = idp_metadata_xml(entity_id="https://fetched.example.com").encode()
            idp.headers = {"content-type": "application/xml"}
            connection = await make_enterprise_connection(client, saml={"idp_metadata_url": idp.url}, active=True)
        assert connection["saml_connection"]["idp_entity_id"] == "https://fetched.example.com"
        assert connection["saml_connection"]["idp_metadata_url"] == idp.url and idp.paths == ["/metadata"]

    @pytest.mark.parametrize(
        ("status", "body"),
        [
            pytest.param(500, b"oops", id="server-error"),
            pytest.param(200, b"x" * (IDP_METADATA_MAX_BYTES + 1), id="too-large"),
        ],
    )
    async def test_metadata_that_cannot_be_fetched_is_refused(
        self, client: httpx.AsyncClient, status: int, body: bytes
    ) -> None:
        with fake_proxy("/metadata") as idp:
            idp.status, idp.body = status, body
            response = await client.post(
                "/v1/enterprise_connections",
                json={
                    "name": "A",
                    "provider": "saml_custom",
                    "domains": ["a.example.com"],
                    "saml": {"idp_metadata_url": idp.url},
                },
            )
        assert clerk_error(response) == (422, "form_param_value_invalid", "idp_metadata_url")

    async def test_a_metadata_url_must_be_http(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/enterprise_connections",
            json={
                "name": "A",
                "provider": "saml_custom",
                "domains": ["a.example.com"],
                "saml": {"idp_metadata_url": "file:///etc/passwd"},
            },
        )
        assert clerk_error(response) == (422, "form_param_format_invalid", "idp_metadata_url")

    async def test_an_oidc_client_secret_is_sealed_and_never_returned(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        connection = await make_enterprise_connection(client, provider="oidc_custom", oidc=oidc_settings(), active=True)
        assert connection["saml_connection"] is None and connection["active"] is True
        config = connection["oauth_config"]
        assert config["client_id"] == "client-123" and config["provider_key"] == "oidc_custom"
        assert "top-secret-value" not in str(connection)
        async with inspection_session(app) as session:
            row = await session.scalar(select(EnterpriseConnection).where(EnterpriseConnection.id == connection["id"]))
            assert row is not None and row.sealed_oidc_client_secret is not None
            assert b"top-secret-value" not in row.sealed_oidc_client_secret

    async def test_an_oidc_client_without_a_secret_must_use_pkce(self, client: httpx.AsyncClient) -> None:
        body = {"name": "A", "provider": "oidc_gitlab", "domains": ["a.example.com"], "active": True}
        refused = await client.post(
            "/v1/enterprise_connections", json=body | {"oidc": oidc_settings(client_secret=None)}
        )
        assert clerk_error(refused) == (422, "form_param_value_invalid", "oidc")
        accepted = await client.post(
            "/v1/enterprise_connections",
            json=body | {"oidc": oidc_settings(client_secret=None, requires_pkce=True)},
        )
        assert accepted.status_code == 201 and accepted.json()["oauth_config"]["requires_pkce"] is True

    async def test_custom_attributes_are_kept(self, client: httpx.AsyncClient) -> None:
        attributes = [{"name": "Department", "key": "department", "sso_path": "dept", "multi_valued": True}]
        connection = await make_enterprise_connection(client, custom_attributes=attributes)
        assert connection["custom_attributes"] == attributes

    @pytest.mark.parametrize(
        "attribute",
        [
            pytest.param({"name": "X", "key": "_private"}, id="key-starting-with-underscore"),
            pytest.param({"name": "X", "key": "x", "scim_path": "a", "directory_path": "b"}, id="paths-differ"),
            pytest.param({"name": "", "key": "x"}, id="empty-name"),
        ],
    )
    async def test_invalid_custom_attributes_are_refused(
        self, client: httpx.AsyncClient, attribute: dict[str, Any]
    ) -> None:
        response = await client.post(
            "/v1/enterprise_connections",
            json={
                "name": "A",
                "provider": "saml_custom",
                "domains": ["a.example.com"],
                "custom_attributes": [attribute],
            },
        )
        assert response.status_code == 422


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol9;"/>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE md [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&xxe;"/>
"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE md SYSTEM "http://127.0.0.1:1/evil.dtd">
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>
"""
PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE md [<!ENTITY % remote SYSTEM "http://127.0.0.1:1/evil.dtd"> %remote;]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>
"""


class TestMaliciousMetadata:
    @pytest.mark.parametrize(
        "document",
        [
            pytest.param(BILLION_LAUGHS, id="billion-laughs"),
            pytest.param(XXE, id="xxe-file"),
            pytest.param(EXTERNAL_DTD, id="external-dtd"),
            pytest.param(PARAMETER_ENTITY, id="parameter-entity"),
        ],
    )
    async def test_a_document_with_a_dtd_is_refused_and_the_server_keeps_serving(
        self, client: httpx.AsyncClient, document: str
    ) -> None:
        response = await client.post(
            "/v1/enterprise_connections",
            json={
                "name": "A",
                "provider": "saml_custom",
                "domains": ["a.example.com"],
                "saml": {"idp_metadata": document},
            },
        )
        assert clerk_error(response) == (422, "form_param_format_invalid", "idp_metadata")
        assert "DTD" in response.json()["errors"][0]["long_message"]
        assert (await client.get("/v1/enterprise_connections")).status_code == 200

    async def test_a_dtd_served_from_the_metadata_url_is_refused(self, client: httpx.AsyncClient) -> None:
        with fake_proxy("/metadata") as idp:
            idp.body = BILLION_LAUGHS.encode()
            response = await client.post(
                "/v1/enterprise_connections",
                json={
                    "name": "A",
                    "provider": "saml_custom",
                    "domains": ["a.example.com"],
                    "saml": {"idp_metadata_url": idp.url},
                },
            )
        assert clerk_error(response) == (422, "form_param_format_invalid", "idp_metadata_url")

    async def test_a_50_mb_body_is_refused_before_it_is_read(self, client: httpx.AsyncClient) -> None:
        huge = "<a>" + "x" * (50 * 1024 * 1024) + "</a>"
        response = await client.post(
            "/v1/enterprise_connections",
            json={"name": "A", "provider": "saml_custom", "domains": ["a.example.com"], "saml": {"idp_metadata": huge}},
        )
        assert clerk_error(response)[:2] == (413, "request_body_too_large")
        assert (await client.get("/v1/enterprise_connections")).status_code == 200

    async def test_metadata_over_the_bound_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/enterprise_connections",
            json={
                "name": "A",
                "provider": "saml_custom",
                "domains": ["a.example.com"],
                "saml": {"idp_metadata": "<a>" + "x" * IDP_METADATA_MAX_BYTES + "</a>"},
            },
        )
        assert clerk_error(response)[:2] == (422, "form_param_max_length_exceeded")

    @pytest.mark.parametrize(
        "document",
        [
            pytest.param("<not-closed>", id="malformed"),
            pytest.param('<x xmlns="urn:other"/>', id="no-entity-descriptor"),
        ],
    )
    async def test_metadata_that_is_no_idp_descriptor_is_refused(
        self, client: httpx.AsyncClient, document: str
    ) -> None:
        response = await client.post(
            "/v1/enterprise_connections",
            json={
                "name": "A",
                "provider": "saml_custom",
                "domains": ["a.example.com"],
                "saml": {"idp_metadata": document},
            },
        )
        assert clerk_error(response) == (422, "form_param_format_invalid", "idp_metadata")


class TestListEnterpriseConnections:
    async def test_newest_first_with_total_count_and_paging(self, client: httpx.AsyncClient) -> None:
        made = [await make_enterprise_connection(client, name=f"C{i}") for i in range(3)]
        page = (await client.get("/v1/enterprise_connections", params={"limit": 2, "offset": 1})).json()
        assert page["total_count"] == 3
        assert [row["id"] for row in page["data"]] == [made[1]["id"], made[0]["id"]]

    async def test_filters_by_organization_and_active(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        linked = await make_enterprise_connection(client, organization_id=organization["id"])
        active = await make_enterprise_connection(client, active=True, saml=saml_settings())
        by_org = (await client.get("/v1/enterprise_connections", params={"organization_id": organization["id"]})).json()
        assert [row["id"] for row in by_org["data"]] == [linked["id"]]
        only_active = (await client.get("/v1/enterprise_connections", params={"active": "true"})).json()
        assert [row["id"] for row in only_active["data"]] == [active["id"]]
        inactive = (await client.get("/v1/enterprise_connections", params={"active": "false"})).json()
        assert [row["id"] for row in inactive["data"]] == [linked["id"]]


class TestGetEnterpriseConnection:
    async def test_reads_the_connection(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client)
        assert (await client.get(f"/v1/enterprise_connections/{connection['id']}")).json() == connection

    async def test_unknown_id_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/enterprise_connections/entconn_missing")
        assert clerk_error(response)[:2] == (404, "resource_not_found")


class TestUpdateEnterpriseConnection:
    async def test_changes_only_what_is_given(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client, domains=["keep.example.com"])
        response = await client.patch(
            f"/v1/enterprise_connections/{connection['id']}",
            json={"name": "Renamed", "sync_user_attributes": False, "domains": [], "saml": {"force_authn": True}},
        )
        updated = response.json()
        assert response.status_code == 200
        assert (updated["name"], updated["sync_user_attributes"], updated["domains"]) == (
            "Renamed",
            False,
            ["keep.example.com"],
        )
        assert updated["saml_connection"]["force_authn"] is True and updated["saml_connection"]["name"] == "Renamed"
        assert updated["disable_additional_identifications"] is False

    async def test_domains_are_replaced_and_freed(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client, domains=["old.example.com", "both.example.com"])
        response = await client.patch(
            f"/v1/enterprise_connections/{connection['id']}", json={"domains": ["both.example.com", "new.example.com"]}
        )
        assert response.json()["domains"] == ["both.example.com", "new.example.com"]
        assert (await make_enterprise_connection(client, domains=["old.example.com"]))["domains"] == ["old.example.com"]

    async def test_a_domain_of_another_connection_is_refused(self, client: httpx.AsyncClient) -> None:
        await make_enterprise_connection(client, domains=["taken.example.com"])
        connection = await make_enterprise_connection(client)
        response = await client.patch(
            f"/v1/enterprise_connections/{connection['id']}", json={"domains": ["taken.example.com"]}
        )
        assert clerk_error(response) == (400, "form_identifier_exists", "domains")
        assert (await client.get(f"/v1/enterprise_connections/{connection['id']}")).json() == connection

    async def test_activation_needs_the_idp_configuration(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client)
        refused = await client.patch(f"/v1/enterprise_connections/{connection['id']}", json={"active": True})
        assert clerk_error(refused) == (422, "form_param_value_invalid", "active")
        accepted = await client.patch(
            f"/v1/enterprise_connections/{connection['id']}", json={"active": True, "saml": saml_settings()}
        )
        assert accepted.json()["active"] is True and accepted.json()["authenticatable"] is True

    async def test_an_active_connection_cannot_lose_its_certificate(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client, active=True, saml=saml_settings())
        response = await client.patch(
            f"/v1/enterprise_connections/{connection['id']}", json={"saml": {"idp_certificate": None}}
        )
        assert clerk_error(response) == (422, "form_param_value_invalid", "active")

    async def test_organization_can_be_linked_not_unlinked(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        connection = await make_enterprise_connection(client)
        path = f"/v1/enterprise_connections/{connection['id']}"
        linked = await client.patch(path, json={"organization_id": organization["id"]})
        assert linked.json()["organization_id"] == organization["id"]
        assert (await client.patch(path, json={"organization_id": None})).json()["organization_id"] == organization[
            "id"
        ]
        missing = await client.patch(path, json={"organization_id": "org_missing"})
        assert clerk_error(missing)[:2] == (404, "resource_not_found")

    async def test_oidc_settings_change_and_the_secret_stays_hidden(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client, provider="oidc_custom", oidc=oidc_settings())
        response = await client.patch(
            f"/v1/enterprise_connections/{connection['id']}",
            json={"oidc": {"client_id": "client-456", "client_secret": "another-secret"}},
        )
        assert response.json()["oauth_config"]["client_id"] == "client-456"
        assert "another-secret" not in response.text

    async def test_account_holders_see_the_new_name(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        connection = await make_enterprise_connection(client)
        assert (await attach_account(client, user["id"], connection["id"])).status_code == 200
        await client.patch(f"/v1/enterprise_connections/{connection['id']}", json={"name": "Acme Renamed"})
        fetched = (await client.get(f"/v1/users/{user['id']}")).json()
        assert fetched["enterprise_accounts"][0]["enterprise_connection"]["name"] == "Acme Renamed"
        assert fetched["saml_accounts"][0]["saml_connection"]["name"] == "Acme Renamed"
        assert fetched["updated_at"] == (await client.get(f"/v1/users/{user['id']}")).json()["updated_at"]

    async def test_unknown_id_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.patch("/v1/enterprise_connections/entconn_missing", json={"name": "X"})
        assert clerk_error(response)[:2] == (404, "resource_not_found")


class TestDeleteEnterpriseConnection:
    async def test_deletes_it_with_its_accounts_and_frees_its_domains(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        connection = await make_enterprise_connection(client, domains=["gone.example.com"])
        await attach_account(client, user["id"], connection["id"])
        await client.post(f"/v1/enterprise_connections/{connection['id']}/test_runs")
        response = await client.delete(f"/v1/enterprise_connections/{connection['id']}")
        assert response.json() == {"object": "enterprise_connection", "id": connection["id"], "deleted": True}
        assert (await client.get(f"/v1/enterprise_connections/{connection['id']}")).status_code == 404
        fetched = (await client.get(f"/v1/users/{user['id']}")).json()
        assert fetched["enterprise_accounts"] == [] and fetched["saml_accounts"] == []
        listed = (await client.get("/v1/users", params={"user_id": user["id"]})).json()
        assert listed[0]["enterprise_accounts"] == []
        assert (await make_enterprise_connection(client, domains=["gone.example.com"]))["domains"] == [
            "gone.example.com"
        ]

    async def test_unknown_id_is_404(self, client: httpx.AsyncClient) -> None:
        assert (await client.delete("/v1/enterprise_connections/entconn_missing")).status_code == 404


class TestCreateEnterpriseConnectionTestRun:
    async def test_a_configured_connection_passes(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client, saml=saml_settings())
        response = await client.post(f"/v1/enterprise_connections/{connection['id']}/test_runs")
        assert response.status_code == 200 and connection["id"] in response.json()["url"]
        run = (await client.get(f"/v1/enterprise_connections/{connection['id']}/test_runs")).json()["data"][0]
        assert (run["status"], run["connection_type"]) == ("success", "saml")
        assert run["id"] in response.json()["url"]
        assert {entry["level"] for entry in run["logs"]} == {"info"}

    async def test_an_unconfigured_connection_fails_with_its_problems_logged(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client)
        await client.post(f"/v1/enterprise_connections/{connection['id']}/test_runs")
        run = (await client.get(f"/v1/enterprise_connections/{connection['id']}/test_runs")).json()["data"][0]
        assert run["status"] == "failed"
        errors = {entry["code"] for entry in run["logs"] if entry["level"] == "error"}
        assert errors == {"idp_entity_missing", "idp_sso_missing", "idp_certificate_missing"}

    async def test_metadata_url_is_fetched_again(self, client: httpx.AsyncClient) -> None:
        with fake_proxy("/metadata") as idp:
            idp.body = idp_metadata_xml().encode()
            connection = await make_enterprise_connection(client, saml={"idp_metadata_url": idp.url})
            await client.post(f"/v1/enterprise_connections/{connection['id']}/test_runs")
            idp.status = 503
            await client.post(f"/v1/enterprise_connections/{connection['id']}/test_runs")
            assert idp.paths == ["/metadata"] * 3
        runs = (await client.get(f"/v1/enterprise_connections/{connection['id']}/test_runs")).json()["data"]
        assert [run["status"] for run in runs] == ["failed", "success"]
        assert "idp_metadata_invalid" in {entry["code"] for entry in runs[0]["logs"]}

    async def test_an_oidc_connection_is_checked_for_its_client(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client, provider="oidc_github_enterprise")
        await client.post(f"/v1/enterprise_connections/{connection['id']}/test_runs")
        run = (await client.get(f"/v1/enterprise_connections/{connection['id']}/test_runs")).json()["data"][0]
        assert (run["status"], run["connection_type"]) == ("failed", "oauth")

    async def test_unknown_id_is_404(self, client: httpx.AsyncClient) -> None:
        assert (await client.post("/v1/enterprise_connections/entconn_missing/test_runs")).status_code == 404


class TestListEnterpriseConnectionTestRuns:
    async def test_newest_first_filtered_by_status(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client)
        path = f"/v1/enterprise_connections/{connection['id']}"
        await client.post(f"{path}/test_runs")
        await client.patch(path, json={"saml": saml_settings()})
        await client.post(f"{path}/test_runs")
        await client.post(f"{path}/test_runs")
        listed = (await client.get(f"{path}/test_runs", params={"limit": 2})).json()
        assert listed["total_count"] == 3 and [run["status"] for run in listed["data"]] == ["success", "success"]
        failed = (await client.get(f"{path}/test_runs", params={"status": ["failed"]})).json()
        assert failed["total_count"] == 1 and failed["data"][0]["status"] == "failed"
        both = (await client.get(f"{path}/test_runs", params={"status": ["failed", "success"]})).json()
        assert both["total_count"] == 3

    async def test_an_unknown_status_is_refused(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client)
        response = await client.get(
            f"/v1/enterprise_connections/{connection['id']}/test_runs", params={"status": "done"}
        )
        assert response.status_code == 422

    async def test_unknown_id_is_404(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/enterprise_connections/entconn_missing/test_runs")).status_code == 404


class TestAttachEnterpriseAccount:
    async def test_a_saml_account_shows_in_both_lists_and_counts(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        connection = await make_enterprise_connection(client)
        response = await attach_account(
            client, user["id"], connection["id"], provider_user_id="idp-1", first_name="Ada"
        )
        assert response.status_code == 200
        account = response.json()["enterprise_accounts"][0]
        assert (account["protocol"], account["provider_user_id"], account["first_name"]) == ("saml", "idp-1", "Ada")
        assert account["enterprise_connection"]["id"] == connection["id"]
        saml_account = response.json()["saml_accounts"][0]
        assert saml_account["id"].startswith("samlacc_")
        assert saml_account["saml_connection"]["id"] == connection["saml_connection"]["id"]
        listed = (await client.get("/v1/users", params={"user_id": user["id"]})).json()
        assert listed[0]["enterprise_accounts"] == response.json()["enterprise_accounts"]
        saml = (await client.get(f"/v1/saml_connections/{connection['saml_connection']['id']}")).json()
        assert saml["user_count"] == 1

    async def test_an_oidc_account_is_no_saml_account(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        connection = await make_enterprise_connection(client, provider="oidc_custom", oidc=oidc_settings())
        response = await attach_account(client, user["id"], connection["id"])
        assert response.json()["saml_accounts"] == []
        assert response.json()["enterprise_accounts"][0]["protocol"] == "oauth"

    async def test_one_account_per_user_and_connection(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        connection = await make_enterprise_connection(client)
        await attach_account(client, user["id"], connection["id"])
        again = await attach_account(client, user["id"], connection["id"])
        assert clerk_error(again) == (422, "form_identifier_exists", "enterprise_connection_id")

    async def test_unknown_connection_or_user_is_404(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        connection = await make_enterprise_connection(client)
        assert (await attach_account(client, user["id"], "entconn_missing")).status_code == 404
        assert (await attach_account(client, "user_missing", connection["id"])).status_code == 404


async def verified_organization_domain(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    """A verified domain of a new organization that enrolls members by automatic invitation."""
    settings = await client.patch(
        "/v1/instance/organization_settings",
        json={"domains_enabled": True, "domains_enrollment_modes": ["automatic_invitation"]},
    )
    assert settings.status_code == 200, settings.text
    organization = await make_organization(client)
    response = await client.post(
        f"/v1/organizations/{organization['id']}/domains",
        json={"name": name, "enrollment_mode": "automatic_invitation"},
    )
    assert response.status_code == 200, response.text
    domain: dict[str, Any] = response.json()
    return domain


class TestEnablingTakesOverVerifiedOrganizationDomains:
    async def test_enabling_an_enterprise_connection_removes_them(
        self, client: httpx.AsyncClient, recorded_events: Any
    ) -> None:
        domain = await verified_organization_domain(client, "enroll.example.com")
        connection = await make_enterprise_connection(client, domains=["enroll.example.com"], saml=saml_settings())
        response = await client.patch(f"/v1/enterprise_connections/{connection['id']}", json={"active": True})
        assert response.status_code == 200, response.text
        listed = (await client.get(f"/v1/organizations/{domain['organization_id']}/domains")).json()
        assert listed["total_count"] == 0
        deleted = [data for type, data in await recorded_events() if type == "organizationDomain.deleted"]
        assert [data["id"] for data in deleted] == [domain["id"]]

    async def test_enabling_a_saml_connection_needs_consent(self, client: httpx.AsyncClient) -> None:
        domain = await verified_organization_domain(client, "consent.example.com")
        connection = await make_enterprise_connection(client, domains=["consent.example.com"], saml=saml_settings())
        path = f"/v1/saml_connections/{connection['saml_connection']['id']}"
        refused = await client.patch(path, json={"active": True})
        assert clerk_error(refused) == (422, "form_param_value_invalid", "consent_verified_domains_deletion")
        kept = (await client.get(f"/v1/organizations/{domain['organization_id']}/domains")).json()
        assert kept["total_count"] == 1
        accepted = await client.patch(path, json={"active": True, "consent_verified_domains_deletion": True})
        assert accepted.status_code == 200 and accepted.json()["active"] is True
        gone = (await client.get(f"/v1/organizations/{domain['organization_id']}/domains")).json()
        assert gone["total_count"] == 0


class TestNoTransactionDuringMetadataFetch:
    async def test_other_writes_finish_while_the_idp_is_slow(self, client: httpx.AsyncClient) -> None:
        """SQLite has one writer: a write transaction held across the fetch would make the second
        request wait for the first to finish."""
        finished: list[str] = []

        async def timed(label: str, request: Any) -> httpx.Response:
            response: httpx.Response = await request
            finished.append(label)
            return response

        with fake_proxy("/metadata") as idp:
            idp.body, idp.delay_s = idp_metadata_xml().encode(), 1.0
            slow = client.post(
                "/v1/enterprise_connections",
                json={
                    "name": "Slow",
                    "provider": "saml_custom",
                    "domains": ["slow.example.com"],
                    "saml": {"idp_metadata_url": idp.url},
                },
            )

            async def fast_after_slow_started() -> httpx.Response:
                while not idp.paths:
                    await asyncio.sleep(0.01)
                return await client.post(
                    "/v1/enterprise_connections",
                    json={"name": "Fast", "provider": "saml_custom", "domains": ["fast.example.com"]},
                )

            responses = await asyncio.gather(timed("slow", slow), timed("fast", fast_after_slow_started()))
        assert [response.status_code for response in responses] == [201, 201]
        assert finished == ["fast", "slow"]


class TestOrganizationDeletion:
    async def test_unlinks_its_connections(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        connection = await make_enterprise_connection(client, organization_id=organization["id"])
        assert (await client.delete(f"/v1/organizations/{organization['id']}")).status_code == 200
        fetched = (await client.get(f"/v1/enterprise_connections/{connection['id']}")).json()
        assert fetched["organization_id"] is None
