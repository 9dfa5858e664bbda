"""Domains: the instance's primary domain (always there, listed first, never deleted) and the
satellites added beside it; names, proxy URLs, and the production/development differences."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from locum.instances.service import create_instance
from tests.builders import clerk_error, make_satellite_domain
from tests.conftest import api_client, next_signing_key

DOMAIN_KEYS = {
    "object", "id", "name", "is_satellite", "frontend_api_url", "accounts_portal_url", "proxy_url",
    "development_origin", "cname_targets",
}  # fmt: skip


@pytest.fixture
async def production_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.state.sessionmaker() as session:
        keys = await create_instance(
            session, app.state.registry._sealer, environment_type="production", private_key_pem=next_signing_key()
        )
        await session.commit()
    async with api_client(app, keys.secret_key) as http:
        yield http


async def domains_of(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/v1/domains")
    assert response.status_code == 200
    body = response.json()
    assert body["total_count"] == len(body["data"])
    domains: list[dict[str, Any]] = body["data"]
    return domains


async def primary_of(client: httpx.AsyncClient) -> dict[str, Any]:
    return (await domains_of(client))[0]


class TestListDomains:
    async def test_a_new_instance_has_its_primary_domain(self, client: httpx.AsyncClient) -> None:
        [primary] = await domains_of(client)
        assert set(primary) == DOMAIN_KEYS and primary["object"] == "domain"
        assert primary["id"].startswith("dmn_") and primary["is_satellite"] is False
        # The instance's Frontend API host is <slug>.locum.localhost; its application domain <slug>.localhost.
        host = primary["frontend_api_url"].removeprefix("https://")
        slug = host.split(".")[0]
        assert host == f"{slug}.locum.localhost" and primary["name"] == f"{slug}.localhost"
        assert primary["accounts_portal_url"] == f"https://accounts.{slug}.localhost"
        assert (primary["proxy_url"], primary["development_origin"], primary["cname_targets"]) == (None, "", None)

    async def test_the_primary_domain_is_the_same_before_and_after_anything_is_stored(
        self, client: httpx.AsyncClient
    ) -> None:
        before = await primary_of(client)
        await make_satellite_domain(client)
        assert await primary_of(client) == before

    async def test_primary_first_then_satellites_in_the_order_added(self, client: httpx.AsyncClient) -> None:
        first = await make_satellite_domain(client, "b.example.com")
        second = await make_satellite_domain(client, "a.example.com")
        domains = await domains_of(client)
        assert [d["is_satellite"] for d in domains] == [False, True, True]
        assert domains[1:] == [first, second]

    async def test_lists_only_the_instances_own(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await make_satellite_domain(client)
        [other_primary] = await domains_of(other_client)
        assert other_primary["id"] != (await primary_of(client))["id"]


class TestAddDomain:
    async def test_adds_a_satellite_domain(self, client: httpx.AsyncClient) -> None:
        primary = await primary_of(client)
        domain = await make_satellite_domain(client, "Satellite.Example.com")
        assert set(domain) == DOMAIN_KEYS and domain["id"].startswith("dmn_")
        assert (domain["name"], domain["is_satellite"], domain["accounts_portal_url"]) == (
            "satellite.example.com",
            True,
            None,
        )
        # A development satellite uses the instance's Frontend API; there is no DNS to set up.
        assert domain["frontend_api_url"] == primary["frontend_api_url"] and domain["cname_targets"] is None

    async def test_a_development_name_may_carry_a_port(self, client: httpx.AsyncClient) -> None:
        assert (await make_satellite_domain(client, "localhost:3001"))["name"] == "localhost:3001"

    async def test_only_satellites_can_be_added(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/domains", json={"name": "other.example.com", "is_satellite": False})
        assert clerk_error(response) == (422, "primary_domain_already_exists", "is_satellite")

    @pytest.mark.parametrize(
        "name",
        [
            pytest.param("https://example.com", id="scheme"),
            pytest.param("example.com/path", id="path"),
            pytest.param("exa mple.com", id="space"),
            pytest.param("-example.com", id="leading-hyphen"),
            pytest.param("example..com", id="empty-label"),
            pytest.param("localhost:99999", id="port-out-of-range"),
            pytest.param("example.123", id="numeric-tld"),
        ],
    )
    async def test_a_name_must_be_a_host_name(self, client: httpx.AsyncClient, name: str) -> None:
        response = await client.post("/v1/domains", json={"name": name, "is_satellite": True})
        assert clerk_error(response) == (422, "form_param_format_invalid", "name")

    async def test_name_and_is_satellite_are_required(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/domains", json={"is_satellite": True})
        assert clerk_error(response) == (422, "form_param_missing", "name")
        response = await client.post("/v1/domains", json={"name": "x.example.com"})
        assert clerk_error(response) == (422, "form_param_missing", "is_satellite")

    async def test_a_name_the_instance_has_is_taken(self, client: httpx.AsyncClient) -> None:
        await make_satellite_domain(client, "taken.example.com")
        response = await client.post("/v1/domains", json={"name": "TAKEN.example.com", "is_satellite": True})
        assert clerk_error(response) == (422, "form_identifier_exists", "name")
        primary = await primary_of(client)
        response = await client.post("/v1/domains", json={"name": primary["name"], "is_satellite": True})
        assert clerk_error(response) == (422, "form_identifier_exists", "name")

    async def test_concurrent_additions_of_one_name_add_one_domain(self, client: httpx.AsyncClient) -> None:
        body = {"name": "race.example.com", "is_satellite": True}
        responses = await asyncio.gather(*(client.post("/v1/domains", json=body) for _ in range(8)))
        assert sorted(r.status_code for r in responses) == [200] + [422] * 7
        assert [d["name"] for d in await domains_of(client)][1:] == ["race.example.com"]

    async def test_another_instance_may_use_the_same_name(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await make_satellite_domain(client, "shared.example.com")
        await make_satellite_domain(other_client, "shared.example.com")

    async def test_a_proxy_url_is_for_production_instances(self, client: httpx.AsyncClient) -> None:
        body = {"name": "p.example.com", "is_satellite": True, "proxy_url": "https://p.example.com/__clerk"}
        assert clerk_error(await client.post("/v1/domains", json=body)) == (
            400,
            "request_invalid_for_environment",
            "proxy_url",
        )

    async def test_a_production_satellite_has_its_own_frontend_api_and_cname(
        self, production_client: httpx.AsyncClient
    ) -> None:
        domain = await make_satellite_domain(production_client, "shop.example.com")
        primary = await primary_of(production_client)
        locum_host = primary["frontend_api_url"].removeprefix("https://")
        assert domain["frontend_api_url"] == "https://clerk.shop.example.com"
        assert domain["cname_targets"] == [{"host": "clerk.shop.example.com", "value": locum_host, "required": True}]

    async def test_a_production_name_is_fully_qualified_without_a_port(
        self, production_client: httpx.AsyncClient
    ) -> None:
        for name in ("localhost", "example.com:3000"):
            response = await production_client.post("/v1/domains", json={"name": name, "is_satellite": True})
            assert clerk_error(response) == (422, "form_param_format_invalid", "name")

    async def test_a_proxied_production_satellite_needs_no_frontend_api_record(
        self, production_client: httpx.AsyncClient
    ) -> None:
        domain = await make_satellite_domain(
            production_client, "proxied.example.com", proxy_url="https://proxied.example.com/__clerk/"
        )
        assert domain["proxy_url"] == "https://proxied.example.com/__clerk"
        assert [target["required"] for target in domain["cname_targets"]] == [False]

    async def test_a_proxy_url_must_be_an_absolute_http_url(self, production_client: httpx.AsyncClient) -> None:
        for url in ("/__clerk", "ftp://example.com/__clerk", "https://"):
            body = {"name": "q.example.com", "is_satellite": True, "proxy_url": url}
            response = await production_client.post("/v1/domains", json=body)
            assert clerk_error(response) == (422, "form_param_format_invalid", "proxy_url")


class TestUpdateDomain:
    async def test_renames_a_satellite(self, client: httpx.AsyncClient) -> None:
        domain = await make_satellite_domain(client, "old.example.com")
        response = await client.patch(f"/v1/domains/{domain['id']}", json={"name": "new.example.com"})
        assert response.status_code == 200 and response.json() == {**domain, "name": "new.example.com"}
        assert (await domains_of(client))[1]["name"] == "new.example.com"

    async def test_renames_the_primary_domain(self, client: httpx.AsyncClient) -> None:
        primary = await primary_of(client)
        response = await client.patch(f"/v1/domains/{primary['id']}", json={"name": "app.example.com"})
        assert response.json() == {
            **primary,
            "name": "app.example.com",
            "accounts_portal_url": "https://accounts.app.example.com",
        }
        assert await primary_of(client) == response.json()

    async def test_an_empty_body_changes_nothing(self, client: httpx.AsyncClient) -> None:
        domain = await make_satellite_domain(client)
        response = await client.patch(f"/v1/domains/{domain['id']}", json={})
        assert response.json() == domain

    async def test_a_name_another_domain_has_is_taken(self, client: httpx.AsyncClient) -> None:
        await make_satellite_domain(client, "one.example.com")
        two = await make_satellite_domain(client, "two.example.com")
        response = await client.patch(f"/v1/domains/{two['id']}", json={"name": "one.example.com"})
        assert clerk_error(response) == (422, "form_identifier_exists", "name")

    async def test_an_invalid_name_or_unknown_field_is_refused(self, client: httpx.AsyncClient) -> None:
        domain = await make_satellite_domain(client)
        response = await client.patch(f"/v1/domains/{domain['id']}", json={"name": "bad name"})
        assert clerk_error(response) == (422, "form_param_format_invalid", "name")
        response = await client.patch(f"/v1/domains/{domain['id']}", json={"is_satellite": False})
        assert clerk_error(response) == (422, "form_param_unknown", "is_satellite")

    async def test_proxy_url_can_only_be_changed_in_production(self, client: httpx.AsyncClient) -> None:
        domain = await make_satellite_domain(client)
        response = await client.patch(f"/v1/domains/{domain['id']}", json={"proxy_url": None})
        assert clerk_error(response) == (400, "domain_update_forbidden", "proxy_url")

    async def test_sets_and_removes_a_production_proxy_url(self, production_client: httpx.AsyncClient) -> None:
        primary = await primary_of(production_client)
        path = f"/v1/domains/{primary['id']}"
        proxied = (await production_client.patch(path, json={"proxy_url": "https://app.example.com/__clerk"})).json()
        assert proxied["proxy_url"] == "https://app.example.com/__clerk"
        assert [t["required"] for t in proxied["cname_targets"]] == [False, True]
        # null switches back to DNS; an omitted proxy_url keeps it.
        assert (await production_client.patch(path, json={"is_secondary": True})).json() == proxied
        assert (await production_client.patch(path, json={"proxy_url": None})).json()["proxy_url"] is None

    async def test_unknown_or_another_instances_domain_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        domain = await make_satellite_domain(client)
        primary = await primary_of(client)
        for domain_id in (domain["id"], primary["id"], "dmn_unknown"):
            response = await other_client.patch(f"/v1/domains/{domain_id}", json={"name": "mallory.example.com"})
            assert clerk_error(response) == (404, "resource_not_found", None)


class TestDeleteDomain:
    async def test_deletes_a_satellite(self, client: httpx.AsyncClient) -> None:
        domain = await make_satellite_domain(client)
        response = await client.delete(f"/v1/domains/{domain['id']}")
        assert response.status_code == 200
        assert response.json() == {"object": "domain", "id": domain["id"], "deleted": True}
        assert len(await domains_of(client)) == 1
        # Its name is free again.
        await make_satellite_domain(client, domain["name"])

    async def test_the_primary_domain_is_never_deleted(self, client: httpx.AsyncClient) -> None:
        primary = await primary_of(client)
        response = await client.delete(f"/v1/domains/{primary['id']}")
        assert clerk_error(response) == (403, "operation_not_allowed_on_primary_domain", None)
        assert await primary_of(client) == primary

    async def test_unknown_or_another_instances_domain_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        domain = await make_satellite_domain(client)
        primary = await primary_of(client)
        for domain_id in (domain["id"], primary["id"]):
            assert clerk_error(await other_client.delete(f"/v1/domains/{domain_id}"))[0] == 404
        assert len(await domains_of(client)) == 2
