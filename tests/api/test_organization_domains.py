"""Organization Domains operations.

Verified domains are off in a new instance (OrganizationSettings.domains_enabled defaults to false,
as in Clerk's dashboard), so the `domains` fixture switches them on, with both automatic enrollment
modes, through the settings row. Organizations are inserted as rows: these tests are about domains.
"""

import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from locum.instances.service import InstanceKeys
from tests.builders import error_code, insert_organization, set_organization_settings
from tests.conftest import RecordedEvents, api_client, new_instance

_sequence = itertools.count(1)
AUTOMATIC_MODES = ["automatic_invitation", "automatic_suggestion"]


def unique_domain(prefix: str = "acme") -> str:
    return f"{prefix}{next(_sequence)}.example.com"


@pytest.fixture
async def domains(app: FastAPI, instance: InstanceKeys) -> None:
    await set_organization_settings(
        app, instance.instance_id, domains_enabled=True, domains_enrollment_modes=AUTOMATIC_MODES
    )


@pytest.fixture
async def org(app: FastAPI, instance: InstanceKeys) -> dict[str, str]:
    return await insert_organization(app, instance.instance_id)


async def add_domain(client: httpx.AsyncClient, organization_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(f"/v1/organizations/{organization_id}/domains", json={"name": unique_domain(), **body})
    assert response.status_code == 200, response.text
    domain: dict[str, Any] = response.json()
    return domain


def names(page: dict[str, Any]) -> list[str]:
    return [domain["name"] for domain in page["data"]]


@pytest.mark.usefixtures("domains")
class TestCreateOrganizationDomain:
    async def test_created_verified_with_organization_data(
        self, client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        response = await client.post(f"/v1/organizations/{org['id']}/domains", json={"name": "  Acme.Example.COM "})
        assert response.status_code == 200, response.text
        domain = response.json()
        assert domain["object"] == "organization_domain" and domain["id"].startswith("orgdmn_")
        assert domain["name"] == "acme.example.com"
        assert domain["organization_id"] == org["id"]
        assert domain["enrollment_mode"] == "manual_invitation"
        assert domain["affiliation_verification"]["status"] == "verified"
        assert domain["verification"] == domain["affiliation_verification"]
        assert domain["ownership_verification"] is None
        assert domain["total_pending_invitations"] == 0 and domain["total_pending_suggestions"] == 0
        assert domain["public_organization_data"] == {
            "id": org["id"],
            "name": org["name"],
            "slug": org["slug"],
            "image_url": domain["public_organization_data"]["image_url"],
            "has_image": False,
        }
        assert await recorded_events() == [("organizationDomain.created", domain)]

    async def test_unverified_on_request_with_a_mode(self, client: httpx.AsyncClient, org: dict[str, str]) -> None:
        domain = await add_domain(client, org["id"], verified=False, enrollment_mode="automatic_suggestion")
        assert domain["affiliation_verification"]["status"] == "unverified"
        assert domain["enrollment_mode"] == "automatic_suggestion"

    async def test_organization_by_slug(self, client: httpx.AsyncClient, org: dict[str, str]) -> None:
        assert (await add_domain(client, org["slug"]))["organization_id"] == org["id"]

    async def test_unknown_organization_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/organizations/org_missing/domains", json={"name": unique_domain()})
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_other_instance_is_404(
        self, other_client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        response = await other_client.post(f"/v1/organizations/{org['id']}/domains", json={"name": unique_domain()})
        assert response.status_code == 404
        assert await recorded_events() == []

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            pytest.param({}, 422, "form_param_missing", id="no-name"),
            pytest.param({"name": "localhost"}, 422, "form_param_format_invalid", id="no-dot"),
            pytest.param({"name": "exa mple.com"}, 422, "form_param_format_invalid", id="space"),
            pytest.param({"name": "-bad.com"}, 422, "form_param_format_invalid", id="leading-hyphen"),
            pytest.param({"name": "https://acme.com"}, 422, "form_param_format_invalid", id="url"),
            pytest.param({"name": "user@acme.com"}, 422, "form_param_format_invalid", id="email"),
            pytest.param({"name": "Gmail.com"}, 422, "organization_domain_common", id="gmail"),
            pytest.param({"name": "hotmail.com"}, 422, "organization_domain_common", id="hotmail"),
            pytest.param({"name": "a.com", "enrollment_mode": "magic"}, 422, "form_param_value_invalid", id="mode"),
            pytest.param({"name": "a.com", "verified": "maybe"}, 422, "form_param_type_invalid", id="verified"),
            pytest.param({"name": "a.com", "role": "admin"}, 422, "form_param_unknown", id="unknown-field"),
        ],
    )
    async def test_invalid_input(
        self,
        client: httpx.AsyncClient,
        org: dict[str, str],
        recorded_events: RecordedEvents,
        body: dict[str, Any],
        status: int,
        code: str,
    ) -> None:
        response = await client.post(f"/v1/organizations/{org['id']}/domains", json=body)
        assert response.status_code == status and error_code(response) == code, response.text
        assert await recorded_events() == []

    async def test_name_taken_in_same_or_other_organization(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        name = (await add_domain(client, org["id"]))["name"]
        same = await client.post(f"/v1/organizations/{org['id']}/domains", json={"name": name.upper()})
        assert same.status_code == 422
        assert error_code(same) == "organization_domain_already_exists_same_organization"
        other = await insert_organization(app, instance.instance_id)
        elsewhere = await client.post(f"/v1/organizations/{other['id']}/domains", json={"name": name})
        assert elsewhere.status_code == 422 and error_code(elsewhere) == "organization_domain_already_exists"

    async def test_same_name_in_another_instance_is_fine(
        self,
        client: httpx.AsyncClient,
        org: dict[str, str],
        other_instance: tuple[httpx.AsyncClient, dict[str, str]],
    ) -> None:
        other_client, other_org = other_instance
        name = (await add_domain(client, org["id"]))["name"]
        assert (await add_domain(other_client, other_org["id"], name=name))["name"] == name

    async def test_quota_per_organization(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        await set_organization_settings(app, instance.instance_id, max_allowed_domains=2)
        await add_domain(client, org["id"])
        await add_domain(client, org["id"])
        response = await client.post(f"/v1/organizations/{org['id']}/domains", json={"name": unique_domain()})
        assert response.status_code == 403 and error_code(response) == "organization_domain_quota_exceeded"
        other = await insert_organization(app, instance.instance_id)
        await add_domain(client, other["id"])

    async def test_enrollment_mode_must_be_enabled(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        await set_organization_settings(app, instance.instance_id, domains_enrollment_modes=["automatic_suggestion"])
        body = {"name": unique_domain(), "enrollment_mode": "automatic_invitation"}
        response = await client.post(f"/v1/organizations/{org['id']}/domains", json=body)
        assert response.status_code == 403
        assert error_code(response) == "organization_domain_enrollment_mode_not_enabled"
        assert (await add_domain(client, org["id"], enrollment_mode="enterprise_sso"))["enrollment_mode"] == (
            "enterprise_sso"
        )

    @pytest.mark.parametrize(
        ("values", "code"),
        [
            pytest.param({"domains_enabled": False}, "organization_domains_not_enabled", id="domains-off"),
            pytest.param({"enabled": False}, "organization_not_enabled_in_instance", id="organizations-off"),
        ],
    )
    async def test_feature_switched_off_is_403(
        self,
        app: FastAPI,
        instance: InstanceKeys,
        client: httpx.AsyncClient,
        org: dict[str, str],
        recorded_events: RecordedEvents,
        values: dict[str, Any],
        code: str,
    ) -> None:
        await set_organization_settings(app, instance.instance_id, **values)
        response = await client.post(f"/v1/organizations/{org['id']}/domains", json={"name": unique_domain()})
        assert response.status_code == 403 and error_code(response) == code
        assert await recorded_events() == []


@pytest.fixture
async def other_instance(app: FastAPI) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A second instance with domains on and one organization: (its client, that organization)."""
    keys = await new_instance(app)
    await set_organization_settings(app, keys.instance_id, domains_enabled=True)
    organization = await insert_organization(app, keys.instance_id)
    async with api_client(app, keys.secret_key) as http:
        yield http, organization


@pytest.mark.usefixtures("domains")
class TestListOrganizationDomains:
    async def test_only_the_organizations_domains_newest_first(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        first, second = await add_domain(client, org["id"]), await add_domain(client, org["id"])
        other = await insert_organization(app, instance.instance_id)
        await add_domain(client, other["id"])
        response = await client.get(f"/v1/organizations/{org['id']}/domains")
        assert response.status_code == 200
        page = response.json()
        assert page["total_count"] == 2
        assert [d["id"] for d in page["data"]] == [second["id"], first["id"]]
        assert page["data"][1] == first

    async def test_filters_and_pagination(self, client: httpx.AsyncClient, org: dict[str, str]) -> None:
        manual = await add_domain(client, org["id"])
        suggested = await add_domain(client, org["id"], enrollment_mode="automatic_suggestion", verified=False)
        invited = await add_domain(client, org["id"], enrollment_mode="automatic_invitation")
        url = f"/v1/organizations/{org['id']}/domains"
        assert names((await client.get(url, params={"verified": "false"})).json()) == [suggested["name"]]
        verified = (await client.get(url, params={"verified": "true"})).json()
        assert names(verified) == [invited["name"], manual["name"]]
        by_mode = (await client.get(url, params={"enrollment_mode": "automatic_suggestion"})).json()
        assert names(by_mode) == [suggested["name"]]
        excluded = (await client.get(url, params={"enrollment_mode": "-manual_invitation"})).json()
        assert names(excluded) == [invited["name"], suggested["name"]]
        page = (await client.get(url, params={"limit": 1, "offset": 1})).json()
        assert names(page) == [suggested["name"]] and page["total_count"] == 3

    async def test_unknown_or_foreign_organization_has_no_domains(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        await add_domain(client, org["id"])
        for response in (
            await client.get("/v1/organizations/org_missing/domains"),
            await other_client.get(f"/v1/organizations/{org['id']}/domains"),
        ):
            assert response.status_code == 200 and response.json() == {"data": [], "total_count": 0}

    @pytest.mark.parametrize(
        "params",
        [
            pytest.param({"verified": "yes"}, id="verified"),
            pytest.param({"enrollment_mode": "magic"}, id="mode"),
            pytest.param({"limit": 0}, id="limit"),
        ],
    )
    async def test_invalid_query_is_422(
        self, client: httpx.AsyncClient, org: dict[str, str], params: dict[str, Any]
    ) -> None:
        response = await client.get(f"/v1/organizations/{org['id']}/domains", params=params)
        assert response.status_code == 422 and error_code(response) == "form_param_value_invalid"


@pytest.mark.usefixtures("domains")
class TestUpdateOrganizationDomain:
    async def test_updates_mode_and_verification(
        self, client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        domain = await add_domain(client, org["id"])
        response = await client.patch(
            f"/v1/organizations/{org['id']}/domains/{domain['id']}",
            json={"enrollment_mode": "automatic_invitation", "verified": False},
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["enrollment_mode"] == "automatic_invitation"
        assert updated["affiliation_verification"]["status"] == "unverified"
        assert updated["name"] == domain["name"] and updated["created_at"] == domain["created_at"]
        assert (await recorded_events())[-1] == ("organizationDomain.updated", updated)
        listed = (await client.get(f"/v1/organizations/{org['id']}/domains")).json()["data"]
        assert listed == [updated]

    async def test_empty_body_changes_nothing(self, client: httpx.AsyncClient, org: dict[str, str]) -> None:
        domain = await add_domain(client, org["id"], enrollment_mode="automatic_suggestion")
        response = await client.patch(f"/v1/organizations/{org['id']}/domains/{domain['id']}")
        assert response.status_code == 200
        assert response.json()["enrollment_mode"] == "automatic_suggestion"

    async def test_unknown_domain_or_other_organizations_domain_is_404(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        other = await insert_organization(app, instance.instance_id)
        foreign = await add_domain(client, other["id"])
        for domain_id in ("orgdmn_missing", foreign["id"]):
            response = await client.patch(f"/v1/organizations/{org['id']}/domains/{domain_id}", json={})
            assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_other_instance_is_404(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        org: dict[str, str],
        recorded_events: RecordedEvents,
    ) -> None:
        domain = await add_domain(client, org["id"])
        before = await recorded_events()
        response = await other_client.patch(
            f"/v1/organizations/{org['id']}/domains/{domain['id']}", json={"verified": False}
        )
        assert response.status_code == 404
        assert await recorded_events() == before

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            pytest.param({"enrollment_mode": "magic"}, 422, "form_param_value_invalid", id="mode"),
            pytest.param({"name": "b.com"}, 422, "form_param_unknown", id="name-is-fixed"),
            pytest.param(
                {"enrollment_mode": "automatic_invitation"},
                403,
                "organization_domain_enrollment_mode_not_enabled",
                id="mode-not-enabled",
            ),
        ],
    )
    async def test_invalid_input(
        self,
        app: FastAPI,
        instance: InstanceKeys,
        client: httpx.AsyncClient,
        org: dict[str, str],
        recorded_events: RecordedEvents,
        body: dict[str, Any],
        status: int,
        code: str,
    ) -> None:
        domain = await add_domain(client, org["id"])
        await set_organization_settings(app, instance.instance_id, domains_enrollment_modes=[])
        before = await recorded_events()
        response = await client.patch(f"/v1/organizations/{org['id']}/domains/{domain['id']}", json=body)
        assert response.status_code == status and error_code(response) == code
        assert await recorded_events() == before


@pytest.mark.usefixtures("domains")
class TestDeleteOrganizationDomain:
    async def test_deletes(
        self, client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        domain = await add_domain(client, org["id"])
        response = await client.delete(f"/v1/organizations/{org['id']}/domains/{domain['id']}")
        assert response.status_code == 200
        deleted = {"object": "organization_domain", "id": domain["id"], "deleted": True}
        assert response.json() == deleted
        assert (await recorded_events())[-1] == ("organizationDomain.deleted", deleted)
        assert (await client.get(f"/v1/organizations/{org['id']}/domains")).json()["total_count"] == 0
        # The name is free again.
        assert (await add_domain(client, org["id"], name=domain["name"]))["name"] == domain["name"]

    async def test_unknown_domain_is_404(self, client: httpx.AsyncClient, org: dict[str, str]) -> None:
        response = await client.delete(f"/v1/organizations/{org['id']}/domains/orgdmn_missing")
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_other_instance_is_404(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        org: dict[str, str],
        recorded_events: RecordedEvents,
    ) -> None:
        domain = await add_domain(client, org["id"])
        before = await recorded_events()
        response = await other_client.delete(f"/v1/organizations/{org['id']}/domains/{domain['id']}")
        assert response.status_code == 404
        assert await recorded_events() == before
        assert (await client.get(f"/v1/organizations/{org['id']}/domains")).json()["total_count"] == 1

    async def test_domains_switched_off_is_403(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        domain = await add_domain(client, org["id"])
        await set_organization_settings(app, instance.instance_id, domains_enabled=False)
        response = await client.delete(f"/v1/organizations/{org['id']}/domains/{domain['id']}")
        assert response.status_code == 403 and error_code(response) == "organization_domains_not_enabled"


@pytest.mark.usefixtures("domains")
class TestVerifyOrganizationDomainOwnership:
    async def test_marks_ownership_verified_once(
        self, client: httpx.AsyncClient, org: dict[str, str], recorded_events: RecordedEvents
    ) -> None:
        domain = await add_domain(client, org["id"], verified=False)
        url = f"/v1/organizations/{org['id']}/domains/{domain['id']}/verify_ownership"
        response = await client.post(url)
        assert response.status_code == 200, response.text
        verified = response.json()
        ownership = verified["ownership_verification"]
        assert ownership["status"] == "verified" and ownership["strategy"] == "manual_override"
        assert isinstance(ownership["verified_at"], int)
        # Ownership is not affiliation.
        assert verified["affiliation_verification"]["status"] == "unverified"
        again = await client.post(url)
        assert again.status_code == 200 and again.json() == verified
        events = await recorded_events()
        assert [event for event in events if event[0] == "organizationDomain.updated"] == [
            ("organizationDomain.updated", verified)
        ]

    async def test_unknown_domain_is_404(self, client: httpx.AsyncClient, org: dict[str, str]) -> None:
        response = await client.post(f"/v1/organizations/{org['id']}/domains/orgdmn_missing/verify_ownership")
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_other_instance_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        domain = await add_domain(client, org["id"])
        response = await other_client.post(f"/v1/organizations/{org['id']}/domains/{domain['id']}/verify_ownership")
        assert response.status_code == 404
        listed = (await client.get(f"/v1/organizations/{org['id']}/domains")).json()["data"]
        assert listed[0]["ownership_verification"] is None

    async def test_domains_switched_off_is_403(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, org: dict[str, str]
    ) -> None:
        domain = await add_domain(client, org["id"])
        await set_organization_settings(app, instance.instance_id, domains_enabled=False)
        response = await client.post(f"/v1/organizations/{org['id']}/domains/{domain['id']}/verify_ownership")
        assert response.status_code == 403 and error_code(response) == "organization_domains_not_enabled"


@pytest.mark.usefixtures("domains")
class TestListAllOrganizationDomains:
    @pytest.fixture
    async def spread(self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient) -> dict[str, Any]:
        """Three domains over two organizations, created in this order."""
        first, second = (
            await insert_organization(app, instance.instance_id),
            await insert_organization(app, instance.instance_id),
        )
        return {
            "orgs": (first, second),
            "beta": await add_domain(client, first["id"], name=unique_domain("beta")),
            "alpha": await add_domain(client, first["id"], name=unique_domain("alpha"), verified=False),
            "gamma": await add_domain(
                client, second["id"], name=unique_domain("gamma"), enrollment_mode="enterprise_sso"
            ),
        }

    async def test_every_domain_newest_first(self, client: httpx.AsyncClient, spread: dict[str, Any]) -> None:
        response = await client.get("/v1/organization_domains")
        assert response.status_code == 200
        page = response.json()
        assert page["total_count"] == 3
        assert [d["id"] for d in page["data"]] == [spread[k]["id"] for k in ("gamma", "alpha", "beta")]
        assert page["data"][2] == spread["beta"]

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            pytest.param({"verified": "false"}, ["alpha"], id="unverified"),
            pytest.param({"verified": "true"}, ["gamma", "beta"], id="verified"),
            pytest.param({"enrollment_mode": "enterprise_sso"}, ["gamma"], id="mode"),
            pytest.param({"enrollment_mode": "-enterprise_sso"}, ["alpha", "beta"], id="excluded-mode"),
            pytest.param(
                [("enrollment_mode", "enterprise_sso"), ("enrollment_mode", "manual_invitation")],
                ["gamma", "alpha", "beta"],
                id="repeated-modes",
            ),
            pytest.param(
                {"enrollment_mode": "manual_invitation,-manual_invitation"}, [], id="comma-separated-and-combined"
            ),
            pytest.param({"query": "ALPHA"}, ["alpha"], id="partial-name"),
            pytest.param({"query": "a%"}, [], id="like-wildcards-are-literal"),
            pytest.param({"order_by": "name"}, ["alpha", "beta", "gamma"], id="by-name"),
            pytest.param({"order_by": "-name"}, ["gamma", "beta", "alpha"], id="by-name-descending"),
            pytest.param({"order_by": "+created_at"}, ["beta", "alpha", "gamma"], id="oldest-first"),
            pytest.param({"limit": 1, "offset": 1}, ["alpha"], id="page"),
        ],
    )
    async def test_filters(
        self, client: httpx.AsyncClient, spread: dict[str, Any], params: Any, expected: list[str]
    ) -> None:
        response = await client.get("/v1/organization_domains", params=params)
        assert response.status_code == 200, response.text
        assert [d["id"] for d in response.json()["data"]] == [spread[k]["id"] for k in expected]

    async def test_by_organization_and_names(self, client: httpx.AsyncClient, spread: dict[str, Any]) -> None:
        first, second = spread["orgs"]
        by_org = (await client.get("/v1/organization_domains", params={"organization_id": second["id"]})).json()
        assert names(by_org) == [spread["gamma"]["name"]]
        by_query = (await client.get("/v1/organization_domains", params={"query": first["id"]})).json()
        assert names(by_query) == [spread["alpha"]["name"], spread["beta"]["name"]]
        wanted = [("domains", spread["beta"]["name"].upper()), ("domains", spread["gamma"]["name"])]
        by_names = (await client.get("/v1/organization_domains", params=wanted)).json()
        assert names(by_names) == [spread["gamma"]["name"], spread["beta"]["name"]]
        assert by_names["total_count"] == 2

    async def test_other_instance_sees_nothing(self, other_client: httpx.AsyncClient, spread: dict[str, Any]) -> None:
        first, _second = spread["orgs"]
        for params in ({}, {"organization_id": first["id"]}, {"query": first["id"]}):
            response = await other_client.get("/v1/organization_domains", params=params)
            assert response.status_code == 200 and response.json() == {"data": [], "total_count": 0}

    @pytest.mark.parametrize(
        "params",
        [
            pytest.param({"query": ""}, id="empty-query"),
            pytest.param({"query": "   "}, id="blank-query"),
            pytest.param({"order_by": "enrollment_mode"}, id="order-by"),
            pytest.param({"verified": "1"}, id="verified"),
            pytest.param({"enrollment_mode": "-magic"}, id="mode"),
            pytest.param({"limit": 501}, id="limit"),
        ],
    )
    async def test_invalid_query_is_422(self, client: httpx.AsyncClient, params: dict[str, Any]) -> None:
        response = await client.get("/v1/organization_domains", params=params)
        assert response.status_code == 422 and error_code(response) == "form_param_value_invalid"
