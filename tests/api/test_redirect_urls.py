"""Redirect URLs: create (URL form, one of each URL per instance), get, list, delete."""

import asyncio

import httpx
import pytest

from tests.builders import clerk_error, make_redirect_url

REDIRECT_URL_KEYS = {"object", "id", "url", "created_at", "updated_at"}


class TestCreateRedirectURL:
    @pytest.mark.parametrize(
        "url",
        [
            pytest.param("https://app.example.com/oauth-callback", id="https"),
            pytest.param("http://localhost:3000/callback", id="http-localhost"),
            pytest.param("my-app://oauth-callback", id="custom-scheme"),
            pytest.param("com.example.app:/oauth2redirect", id="reverse-domain-scheme"),
        ],
    )
    async def test_an_absolute_url_or_a_native_app_scheme_is_allowed(self, client: httpx.AsyncClient, url: str) -> None:
        created = await make_redirect_url(client, url)
        assert set(created) == REDIRECT_URL_KEYS
        assert created["object"] == "redirect_url" and created["url"] == url
        assert created["id"].startswith("ru_") and created["created_at"] == created["updated_at"]

    @pytest.mark.parametrize(
        "url",
        [
            pytest.param("/callback", id="relative"),
            pytest.param("app.example.com/callback", id="no-scheme"),
            pytest.param("https://", id="no-host"),
            pytest.param("https:///path", id="empty-host"),
            pytest.param("my-app:", id="scheme-only"),
            pytest.param("javascript:alert(1)", id="javascript"),
            pytest.param("data:text/html,hi", id="data"),
            pytest.param("https://app.example.com/a b", id="whitespace"),
            pytest.param("1app://callback", id="scheme-starting-with-digit"),
        ],
    )
    async def test_anything_else_is_form_param_format_invalid(self, client: httpx.AsyncClient, url: str) -> None:
        response = await client.post("/v1/redirect_urls", json={"url": url})
        assert clerk_error(response) == (422, "form_param_format_invalid", "url")

    async def test_url_is_required_and_bounded(self, client: httpx.AsyncClient) -> None:
        assert clerk_error(await client.post("/v1/redirect_urls", json={})) == (422, "form_param_missing", "url")
        too_long = "https://app.example.com/" + "a" * 2048
        response = await client.post("/v1/redirect_urls", json={"url": too_long})
        assert clerk_error(response) == (422, "form_param_max_length_exceeded", "url")

    async def test_a_url_the_instance_already_allows_is_duplicate_record(self, client: httpx.AsyncClient) -> None:
        await make_redirect_url(client, "https://app.example.com/cb")
        response = await client.post("/v1/redirect_urls", json={"url": "https://app.example.com/cb"})
        assert clerk_error(response) == (400, "duplicate_record", "url")

    async def test_concurrent_creations_of_one_url_make_one_redirect_url(self, client: httpx.AsyncClient) -> None:
        responses = await asyncio.gather(
            *(client.post("/v1/redirect_urls", json={"url": "https://race.example.com/cb"}) for _ in range(8))
        )
        assert sorted(r.status_code for r in responses) == [200] + [400] * 7
        listed = (await client.get("/v1/redirect_urls")).json()
        assert [item["url"] for item in listed] == ["https://race.example.com/cb"]

    async def test_another_instance_may_allow_the_same_url(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await make_redirect_url(client, "https://shared.example.com/cb")
        await make_redirect_url(other_client, "https://shared.example.com/cb")


class TestGetRedirectURL:
    async def test_answers_the_redirect_url(self, client: httpx.AsyncClient) -> None:
        created = await make_redirect_url(client)
        response = await client.get(f"/v1/redirect_urls/{created['id']}")
        assert response.status_code == 200 and response.json() == created

    async def test_unknown_or_another_instances_id_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        created = await make_redirect_url(client)
        for response in (
            await other_client.get(f"/v1/redirect_urls/{created['id']}"),
            await client.get("/v1/redirect_urls/ru_unknown"),
        ):
            assert clerk_error(response) == (404, "resource_not_found", None)


class TestListRedirectURLs:
    async def test_a_bare_array_newest_first(self, client: httpx.AsyncClient) -> None:
        first = await make_redirect_url(client, "https://one.example.com")
        second = await make_redirect_url(client, "https://two.example.com")
        response = await client.get("/v1/redirect_urls")
        assert response.status_code == 200 and response.json() == [second, first]

    async def test_paginated_answers_data_and_total_count(self, client: httpx.AsyncClient) -> None:
        urls = [await make_redirect_url(client, f"https://app{i}.example.com") for i in range(3)]
        response = await client.get("/v1/redirect_urls", params={"paginated": "true", "limit": 2, "offset": 1})
        assert response.json() == {"data": [urls[1], urls[0]], "total_count": 3}

    async def test_limit_is_bounded(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/redirect_urls", params={"limit": 501})
        assert clerk_error(response) == (422, "form_param_value_invalid", "limit")

    async def test_lists_only_the_instances_own(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await make_redirect_url(client)
        assert (await other_client.get("/v1/redirect_urls")).json() == []


class TestDeleteRedirectURL:
    async def test_deletes_it(self, client: httpx.AsyncClient) -> None:
        created = await make_redirect_url(client)
        response = await client.delete(f"/v1/redirect_urls/{created['id']}")
        assert response.status_code == 200
        assert response.json() == {"object": "redirect_url", "id": created["id"], "deleted": True}
        assert (await client.get(f"/v1/redirect_urls/{created['id']}")).status_code == 404
        # The URL can be allowed again.
        await make_redirect_url(client, created["url"])

    async def test_unknown_or_another_instances_id_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        created = await make_redirect_url(client)
        assert clerk_error(await other_client.delete(f"/v1/redirect_urls/{created['id']}"))[0] == 404
        assert (await client.get(f"/v1/redirect_urls/{created['id']}")).status_code == 200
