"""Clerk's Webhooks operations (the instance's Svix app) and the dashboard their URL opens."""

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from locum.instances.service import InstanceKeys
from locum.kit import clock
from locum.resources.webhook_endpoints.dashboard_access import DASHBOARD_KEY_LIFETIME_MS
from tests.api.test_webhook_endpoints import BASE_MS, FIXED_SECRET, insert_delivery, insert_event, make_endpoint
from tests.conftest import TEST_ORIGIN, api_client

DASHBOARD_URL_PREFIX = f"{TEST_ORIGIN}/locum/webhooks/dashboard?key="


def error_code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["code"]


async def create_svix_app(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/webhooks/svix")
    assert response.status_code == 200, response.text
    svix_url: str = response.json()["svix_url"]
    return svix_url


async def open_dashboard(app: FastAPI, url: str) -> httpx.Response:
    """What a browser does with the URL: no Authorization header."""
    async with api_client(app, None, check_contract=False) as browser:
        return await browser.get(url)


class TestCreateSvixApp:
    async def test_once_per_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        svix_url = await create_svix_app(client)
        assert svix_url.startswith(DASHBOARD_URL_PREFIX)
        assert error_code(await client.post("/v1/webhooks/svix")) == (400, "svix_app_exists")
        # Another instance has an app of its own.
        assert (await other_client.post("/v1/webhooks/svix")).status_code == 200

    async def test_requires_the_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            response = await anonymous.post("/v1/webhooks/svix")
        assert error_code(response) == (401, "authorization_header_format_invalid")


class TestDeleteSvixApp:
    async def test_deletes_the_app_and_every_endpoint(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await create_svix_app(client)
        await make_endpoint(client)
        await make_endpoint(client, url="http://localhost:4000/")
        await create_svix_app(other_client)
        theirs = await make_endpoint(other_client)
        response = await client.delete("/v1/webhooks/svix")
        assert response.status_code == 204 and response.content == b""
        assert (await client.get("/locum/webhooks/endpoints")).json()["total_count"] == 0
        assert (await other_client.get("/locum/webhooks/endpoints")).json()["data"] == [theirs]
        assert error_code(await client.delete("/v1/webhooks/svix")) == (400, "svix_app_missing")
        assert (await other_client.post("/v1/webhooks/svix_url")).status_code == 200
        # Created again, it starts empty.
        await create_svix_app(client)

    async def test_without_an_app(self, client: httpx.AsyncClient) -> None:
        endpoint = await make_endpoint(client)
        assert error_code(await client.delete("/v1/webhooks/svix")) == (400, "svix_app_missing")
        assert (await client.get(f"/locum/webhooks/endpoints/{endpoint['id']}")).status_code == 200


class TestGenerateSvixAuthURL:
    async def test_a_fresh_url_while_the_app_exists(self, client: httpx.AsyncClient) -> None:
        assert error_code(await client.post("/v1/webhooks/svix_url")) == (400, "svix_app_missing")
        created = await create_svix_app(client)
        generated = (await client.post("/v1/webhooks/svix_url")).json()["svix_url"]
        assert generated.startswith(DASHBOARD_URL_PREFIX) and generated != created
        assert (await client.delete("/v1/webhooks/svix")).status_code == 204
        assert error_code(await client.post("/v1/webhooks/svix_url")) == (400, "svix_app_missing")

    async def test_another_instances_app_does_not_count(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await create_svix_app(client)
        assert error_code(await other_client.post("/v1/webhooks/svix_url")) == (400, "svix_app_missing")
        assert error_code(await other_client.delete("/v1/webhooks/svix")) == (400, "svix_app_missing")
        assert (await client.post("/v1/webhooks/svix_url")).status_code == 200


class TestDashboard:
    async def test_lists_endpoints_messages_and_attempts(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        endpoint = await make_endpoint(
            client, url="http://localhost:3000/a?x=1&y=2", secret=FIXED_SECRET, description="<script>alert(1)</script>"
        )
        disabled = await make_endpoint(client, url="http://localhost:3000/b", event_types=["user.created"])
        await client.patch(f"/locum/webhooks/endpoints/{disabled['id']}", json={"enabled": False})
        event_id = await insert_event(
            app, instance_id=instance.instance_id, created_at=BASE_MS, data={"object": "user", "id": "user_<b>"}
        )
        await insert_delivery(
            app,
            instance_id=instance.instance_id,
            event_id=event_id,
            endpoint_id=endpoint["id"],
            status="succeeded",
            attempts=[(502, "<marquee>Bad gateway</marquee>"), (200, "ok")],
        )
        response = await open_dashboard(app, await create_svix_app(client))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        page = response.text
        assert "http://localhost:3000/a?x=1&amp;y=2" in page and "http://localhost:3000/b" in page
        assert FIXED_SECRET in page and disabled["secret"] in page
        assert "disabled (manual)" in page and "user.created" in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
        assert "msg_" + event_id.removeprefix("evt_") in page
        assert "2024-06-01 00:00:00.000Z" in page  # BASE_MS, the event and its first attempt
        assert "502" in page and "&lt;marquee&gt;Bad gateway" in page and "<marquee>" not in page
        assert "user_&lt;b&gt;" in page

    async def test_shows_only_its_instance(
        self, app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        ours = await make_endpoint(client, url="http://localhost:3000/ours")
        theirs = await make_endpoint(other_client, url="http://localhost:3000/theirs")
        page = (await open_dashboard(app, await create_svix_app(client))).text
        assert ours["secret"] in page and theirs["secret"] not in page and "/theirs" not in page

    @pytest.mark.parametrize(
        "query",
        [
            pytest.param("", id="no-key"),
            pytest.param("?key=", id="empty"),
            pytest.param("?key=not-a-key", id="garbage"),
        ],
    )
    async def test_refuses_a_missing_or_forged_key(self, app: FastAPI, client: httpx.AsyncClient, query: str) -> None:
        await create_svix_app(client)
        response = await open_dashboard(app, f"/locum/webhooks/dashboard{query}")
        assert error_code(response) == (401, "authentication_invalid")
        assert response.headers["content-type"] == "application/json"

    async def test_refuses_an_altered_key(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        svix_url = await create_svix_app(client)
        key = parse_qs(urlsplit(svix_url).query)["key"][0]
        altered = key[:40] + ("A" if key[40] != "A" else "B") + key[41:]
        response = await open_dashboard(app, f"/locum/webhooks/dashboard?{urlencode({'key': altered})}")
        assert error_code(response) == (401, "authentication_invalid")

    async def test_the_key_expires(self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int) -> None:
        svix_url = await create_svix_app(client)
        clock.freeze(frozen_clock + DASHBOARD_KEY_LIFETIME_MS - 1)
        assert (await open_dashboard(app, svix_url)).status_code == 200
        clock.freeze(frozen_clock + DASHBOARD_KEY_LIFETIME_MS)
        assert error_code(await open_dashboard(app, svix_url)) == (401, "authentication_invalid")

    async def test_the_key_dies_with_the_app(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        svix_url = await create_svix_app(client)
        assert (await client.delete("/v1/webhooks/svix")).status_code == 204
        assert error_code(await open_dashboard(app, svix_url)) == (401, "authentication_invalid")
