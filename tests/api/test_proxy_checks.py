"""VerifyDomainProxy: locum really asks the proxy for Clerk's proxy health and reports what it found."""

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from locum.resources.proxy_checks import probe
from tests.builders import clerk_error, free_port, make_satellite_domain
from tests.fake_proxy import FakeProxy, fake_proxy

PROXY_CHECK_KEYS = {"object", "id", "domain_id", "last_run_at", "proxy_url", "successful", "created_at", "updated_at"}


@pytest.fixture
def proxy() -> Iterator[FakeProxy]:
    with fake_proxy() as running:
        yield running


async def primary_domain_id(client: httpx.AsyncClient) -> str:
    domain_id: str = (await client.get("/v1/domains")).json()["data"][0]["id"]
    return domain_id


async def verify(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/proxy_checks", json=body)
    assert response.status_code == 200, response.text
    check: dict[str, Any] = response.json()
    return check


class TestVerifyDomainProxy:
    async def test_a_proxy_answering_healthy_passes(self, client: httpx.AsyncClient, proxy: FakeProxy) -> None:
        domain_id = await primary_domain_id(client)
        check = await verify(client, domain_id=domain_id, proxy_url=proxy.url)
        assert set(check) == PROXY_CHECK_KEYS and check["object"] == "proxy_check"
        assert check["id"].startswith("proxchk_") and check["successful"] is True
        assert (check["domain_id"], check["proxy_url"]) == (domain_id, proxy.url)
        assert check["last_run_at"] <= check["created_at"] == check["updated_at"]
        assert proxy.paths == [f"/__clerk/v1/proxy-health?domain_id={domain_id}"]

    async def test_each_run_is_a_check_of_its_own(self, client: httpx.AsyncClient, proxy: FakeProxy) -> None:
        domain_id = await primary_domain_id(client)
        first = await verify(client, domain_id=domain_id, proxy_url=proxy.url)
        second = await verify(client, domain_id=domain_id, proxy_url=proxy.url)
        assert first["id"] != second["id"] and len(proxy.paths) == 2

    @pytest.mark.parametrize(
        ("status", "body", "headers"),
        [
            pytest.param(200, orjson.dumps({"status": "unhealthy", "message": "bad key"}), {}, id="unhealthy"),
            pytest.param(502, b"bad gateway", {}, id="error-status"),
            pytest.param(200, b"<html>not clerk</html>", {}, id="not-json"),
            pytest.param(200, orjson.dumps(["healthy"]), {}, id="not-an-object"),
            pytest.param(302, b"", {"location": "https://elsewhere.example.com/"}, id="redirect-not-followed"),
        ],
    )
    async def test_anything_but_a_healthy_answer_fails_the_check(
        self, client: httpx.AsyncClient, proxy: FakeProxy, status: int, body: bytes, headers: dict[str, str]
    ) -> None:
        proxy.status, proxy.body, proxy.headers = status, body, headers
        check = await verify(client, domain_id=await primary_domain_id(client), proxy_url=proxy.url)
        assert check["successful"] is False and len(proxy.paths) == 1

    async def test_an_unreachable_proxy_fails_the_check(self, client: httpx.AsyncClient) -> None:
        url = f"http://127.0.0.1:{free_port()}/__clerk"
        check = await verify(client, domain_id=await primary_domain_id(client), proxy_url=url)
        assert check["successful"] is False

    async def test_a_proxy_that_does_not_answer_in_time_fails_the_check(
        self, client: httpx.AsyncClient, proxy: FakeProxy, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(probe, "PROXY_CHECK_TIMEOUT_SECONDS", 0.2)
        proxy.delay_s = 1.0
        check = await verify(client, domain_id=await primary_domain_id(client), proxy_url=proxy.url)
        assert check["successful"] is False

    async def test_an_oversized_answer_fails_the_check(self, client: httpx.AsyncClient, proxy: FakeProxy) -> None:
        proxy.body = b" " * probe.MAX_HEALTH_BODY_BYTES + orjson.dumps({"status": "healthy"})
        check = await verify(client, domain_id=await primary_domain_id(client), proxy_url=proxy.url)
        assert check["successful"] is False

    async def test_without_proxy_url_the_domains_own_is_checked(
        self, client: httpx.AsyncClient, proxy: FakeProxy
    ) -> None:
        domain_id = await primary_domain_id(client)
        response = await client.post("/v1/proxy_checks", json={"domain_id": domain_id})
        assert clerk_error(response) == (422, "form_param_missing", "proxy_url")
        assert proxy.paths == []

    async def test_a_satellite_domain_can_be_checked(self, client: httpx.AsyncClient, proxy: FakeProxy) -> None:
        satellite = await make_satellite_domain(client)
        check = await verify(client, domain_id=satellite["id"], proxy_url=proxy.url)
        assert check["domain_id"] == satellite["id"] and check["successful"] is True

    async def test_domain_id_is_required_and_proxy_url_must_be_http(
        self, client: httpx.AsyncClient, proxy: FakeProxy
    ) -> None:
        response = await client.post("/v1/proxy_checks", json={"proxy_url": proxy.url})
        assert clerk_error(response) == (422, "form_param_missing", "domain_id")
        domain_id = await primary_domain_id(client)
        for url in ("/__clerk", "file:///etc/passwd", "https://"):
            response = await client.post("/v1/proxy_checks", json={"domain_id": domain_id, "proxy_url": url})
            assert clerk_error(response) == (422, "form_param_format_invalid", "proxy_url")
        assert proxy.paths == []

    async def test_unknown_or_another_instances_domain_is_not_found_and_not_checked(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, proxy: FakeProxy
    ) -> None:
        satellite = await make_satellite_domain(client)
        for domain_id in (satellite["id"], await primary_domain_id(client), "dmn_unknown"):
            response = await other_client.post(
                "/v1/proxy_checks", json={"domain_id": domain_id, "proxy_url": proxy.url}
            )
            assert clerk_error(response) == (404, "resource_not_found", None)
        assert proxy.paths == []
