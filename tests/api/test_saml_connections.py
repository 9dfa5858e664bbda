"""The deprecated SAML Connections API: a view of SAML-provider enterprise connections."""

import asyncio

import httpx
import pytest

from tests.builders import (
    clerk_error,
    idp_certificate_pem,
    idp_metadata_xml,
    make_enterprise_connection,
    make_organization,
    make_saml_connection,
    make_user,
)


class TestCreateSAMLConnection:
    async def test_creates_its_enterprise_connection(self, client: httpx.AsyncClient) -> None:
        saml = await make_saml_connection(client, name="Okta", provider="saml_okta", domains=["okta-corp.example.com"])
        assert saml["id"].startswith("samlc_") and saml["active"] is False and saml["user_count"] == 0
        assert (saml["domain"], saml["domains"]) == ("okta-corp.example.com", ["okta-corp.example.com"])
        assert saml["sp_metadata_url"].endswith(f"/v1/saml/metadata/{saml['id']}")
        assert saml["sp_entity_id"].endswith(f"/saml/{saml['id']}")
        connection = (await client.get(f"/v1/enterprise_connections/{saml['enterprise_connection_id']}")).json()
        assert (connection["provider"], connection["name"]) == ("saml_okta", "Okta")
        assert connection["saml_connection"]["id"] == saml["id"]

    async def test_the_deprecated_domain_alone_is_enough(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/saml_connections", json={"name": "A", "provider": "saml_custom", "domain": "Single.Example.com"}
        )
        assert response.status_code == 200 and response.json()["domains"] == ["single.example.com"]

    async def test_a_domain_is_required(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/saml_connections", json={"name": "A", "provider": "saml_custom"})
        assert clerk_error(response) == (422, "form_param_missing", "domains")

    async def test_an_oidc_provider_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/saml_connections", json={"name": "A", "provider": "oidc_custom", "domains": ["a.example.com"]}
        )
        assert clerk_error(response)[:2] == (422, "form_param_value_invalid")

    async def test_a_domain_of_another_connection_is_409(self, client: httpx.AsyncClient) -> None:
        await make_enterprise_connection(client, provider="oidc_custom", domains=["taken.example.com"])
        response = await client.post(
            "/v1/saml_connections", json={"name": "A", "provider": "saml_custom", "domains": ["taken.example.com"]}
        )
        assert clerk_error(response) == (409, "form_identifier_exists", "domains")

    async def test_concurrent_claims_of_one_domain_make_one_connection(self, client: httpx.AsyncClient) -> None:
        body = {"name": "Race", "provider": "saml_custom", "domain": "race.example.com"}
        responses = await asyncio.gather(*(client.post("/v1/saml_connections", json=body) for _ in range(3)))
        assert sorted(response.status_code for response in responses) == [200, 409, 409]

    async def test_metadata_takes_priority_over_individual_fields(self, client: httpx.AsyncClient) -> None:
        saml = await make_saml_connection(
            client,
            idp_entity_id="https://ignored.example.com",
            idp_metadata=idp_metadata_xml(entity_id="https://from-metadata.example.com"),
            attribute_mapping={"email_address": "mail"},
            login_hint={"mode": "custom_attribute", "source": "upn"},
            force_authn=True,
        )
        assert saml["idp_entity_id"] == "https://from-metadata.example.com"
        assert saml["idp_certificate"] is not None and saml["idp_metadata"] is not None
        assert saml["attribute_mapping"] == {"user_id": "", "email_address": "mail", "first_name": "", "last_name": ""}
        assert saml["login_hint"] == {"mode": "custom_attribute", "source": "upn"} and saml["force_authn"] is True

    async def test_unknown_organization_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/saml_connections",
            json={"name": "A", "provider": "saml_custom", "domain": "a.example.com", "organization_id": "org_missing"},
        )
        assert clerk_error(response)[:2] == (404, "resource_not_found")


class TestListSAMLConnections:
    async def test_only_saml_connections_newest_first(self, client: httpx.AsyncClient) -> None:
        first = await make_saml_connection(client)
        await make_enterprise_connection(client, provider="oidc_custom")
        second = await make_enterprise_connection(client, provider="saml_google")
        listed = (await client.get("/v1/saml_connections")).json()
        assert listed["total_count"] == 2
        assert [row["id"] for row in listed["data"]] == [second["saml_connection"]["id"], first["id"]]

    async def test_query_matches_names(self, client: httpx.AsyncClient) -> None:
        wanted = await make_saml_connection(client, name="Acme Corp SSO")
        await make_saml_connection(client, name="Other")
        listed = (await client.get("/v1/saml_connections", params={"query": "corp"})).json()
        assert [row["id"] for row in listed["data"]] == [wanted["id"]]

    async def test_organization_ids_include_and_exclude(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        linked = await make_saml_connection(client, organization_id=organization["id"])
        unlinked = await make_saml_connection(client)
        included = (await client.get("/v1/saml_connections", params={"organization_id": [organization["id"]]})).json()
        assert [row["id"] for row in included["data"]] == [linked["id"]]
        excluded = (
            await client.get("/v1/saml_connections", params={"organization_id": [f"-{organization['id']}"]})
        ).json()
        assert [row["id"] for row in excluded["data"]] == [unlinked["id"]]

    async def test_order_by_name(self, client: httpx.AsyncClient) -> None:
        for name in ("Bravo", "Alpha", "Charlie"):
            await make_saml_connection(client, name=name)
        listed = (await client.get("/v1/saml_connections", params={"order_by": "+name"})).json()
        assert [row["name"] for row in listed["data"]] == ["Alpha", "Bravo", "Charlie"]
        refused = await client.get("/v1/saml_connections", params={"order_by": "phone_number"})
        assert clerk_error(refused) == (422, "form_param_value_invalid", "order_by")

    async def test_user_counts_per_connection(self, client: httpx.AsyncClient) -> None:
        busy = await make_saml_connection(client)
        await make_saml_connection(client)
        for _ in range(2):
            user = await make_user(client)
            response = await client.post(
                f"/locum/users/{user['id']}/enterprise_accounts",
                json={"enterprise_connection_id": busy["enterprise_connection_id"], "email_address": "a@example.com"},
            )
            assert response.status_code == 200
        listed = (await client.get("/v1/saml_connections")).json()
        assert {row["id"]: row["user_count"] for row in listed["data"]}[busy["id"]] == 2
        assert sorted(row["user_count"] for row in listed["data"]) == [0, 2]


class TestGetSAMLConnection:
    async def test_by_its_own_id_only(self, client: httpx.AsyncClient) -> None:
        saml = await make_saml_connection(client)
        assert (await client.get(f"/v1/saml_connections/{saml['id']}")).json() == saml
        by_enterprise_id = await client.get(f"/v1/saml_connections/{saml['enterprise_connection_id']}")
        assert clerk_error(by_enterprise_id)[:2] == (404, "resource_not_found")

    async def test_an_oidc_connection_has_no_saml_view(self, client: httpx.AsyncClient) -> None:
        connection = await make_enterprise_connection(client, provider="oidc_custom")
        assert (await client.get(f"/v1/saml_connections/{connection['id']}")).status_code == 404


class TestUpdateSAMLConnection:
    async def test_activation_needs_the_idp_configuration(self, client: httpx.AsyncClient) -> None:
        saml = await make_saml_connection(client)
        refused = await client.patch(f"/v1/saml_connections/{saml['id']}", json={"active": True})
        assert clerk_error(refused) == (422, "form_param_value_invalid", "active")
        activated = await client.patch(
            f"/v1/saml_connections/{saml['id']}",
            json={
                "active": True,
                "idp_entity_id": "urn:idp",
                "idp_sso_url": "https://idp.example.com/sso",
                "idp_certificate": idp_certificate_pem(),
                "allow_idp_initiated": True,
                "allow_subdomains": True,
            },
        )
        body = activated.json()
        assert body["active"] is True and body["authenticatable"] is True
        assert (body["allow_idp_initiated"], body["allow_subdomains"]) == (True, True)
        connection = (await client.get(f"/v1/enterprise_connections/{saml['enterprise_connection_id']}")).json()
        assert connection["active"] is True

    async def test_null_clears_an_idp_field(self, client: httpx.AsyncClient) -> None:
        saml = await make_saml_connection(client, idp_certificate=idp_certificate_pem(), idp_sso_url="https://x.test")
        cleared = (await client.patch(f"/v1/saml_connections/{saml['id']}", json={"idp_certificate": None})).json()
        assert cleared["idp_certificate"] is None and cleared["idp_certificate_expires_at"] is None
        assert cleared["idp_sso_url"] == "https://x.test"

    async def test_renaming_renames_the_enterprise_connection(self, client: httpx.AsyncClient) -> None:
        saml = await make_saml_connection(client)
        renamed = (await client.patch(f"/v1/saml_connections/{saml['id']}", json={"name": "New name"})).json()
        connection = (await client.get(f"/v1/enterprise_connections/{saml['enterprise_connection_id']}")).json()
        assert renamed["name"] == connection["name"] == "New name"

    async def test_a_domain_of_another_connection_is_409(self, client: httpx.AsyncClient) -> None:
        await make_saml_connection(client, domains=["taken.example.com"])
        saml = await make_saml_connection(client)
        response = await client.patch(f"/v1/saml_connections/{saml['id']}", json={"domain": "taken.example.com"})
        assert clerk_error(response) == (409, "form_identifier_exists", "domains")

    @pytest.mark.parametrize("saml_id", ["samlc_missing", "entconn_missing"])
    async def test_unknown_id_is_404(self, client: httpx.AsyncClient, saml_id: str) -> None:
        response = await client.patch(f"/v1/saml_connections/{saml_id}", json={"name": "X"})
        assert clerk_error(response)[:2] == (404, "resource_not_found")


class TestDeleteSAMLConnection:
    async def test_deletes_the_enterprise_connection_too(self, client: httpx.AsyncClient) -> None:
        saml = await make_saml_connection(client)
        response = await client.delete(f"/v1/saml_connections/{saml['id']}")
        assert response.json() == {"object": "saml_connection", "id": saml["id"], "deleted": True}
        assert (await client.get(f"/v1/enterprise_connections/{saml['enterprise_connection_id']}")).status_code == 404
        assert (await client.delete(f"/v1/saml_connections/{saml['id']}")).status_code == 404
