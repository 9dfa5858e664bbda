"""Actor tokens: create and revoke (consuming one is tested with the Frontend API stand-ins)."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from tests.builders import error_of, make_user
from tests.conftest import TEST_ORIGIN, api_client

ACTOR_TOKEN_KEYS = {"object", "id", "status", "user_id", "actor", "created_at", "updated_at"}


async def create(client: httpx.AsyncClient, user_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/actor_tokens", json={"user_id": user_id, "actor": {"sub": "user_admin"}, **body})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


class TestCreateActorToken:
    async def test_creates_a_pending_token_with_its_secret_and_url(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        actor = {"sub": "user_admin", "iss": "https://admin.example.com", "nested": {"ticket": 42}}
        token = await create(client, user["id"], actor=actor, expires_in_seconds=120)
        assert set(token) == ACTOR_TOKEN_KEYS | {"token", "url"}
        assert token["object"] == "actor_token" and token["id"].startswith("act_")
        assert token["status"] == "pending" and token["user_id"] == user["id"] and token["actor"] == actor
        assert token["created_at"] == token["updated_at"] and token["created_at"] > 1_000_000_000_000
        assert len(token["token"]) >= 40
        url = urlsplit(token["url"])
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{TEST_ORIGIN}/locum/actor_tokens/consume"
        assert parse_qs(url.query) == {"token": [token["token"]]}

    async def test_each_token_has_its_own_secret(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        first, second = await create(client, user["id"]), await create(client, user["id"])
        assert first["id"] != second["id"] and first["token"] != second["token"]

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param(None, "form_param_missing", "user_id", id="no-body"),
            pytest.param({"actor": {"sub": "user_admin"}}, "form_param_missing", "user_id", id="no-user-id"),
            pytest.param({"user_id": "{user_id}"}, "form_param_missing", "actor", id="no-actor"),
            pytest.param({"user_id": "{user_id}", "actor": {}}, "form_param_missing", "actor.sub", id="no-sub"),
            pytest.param(
                {"user_id": "{user_id}", "actor": {"sub": 7}}, "form_param_type_invalid", "actor.sub", id="sub-type"
            ),
            pytest.param(
                {"user_id": "{user_id}", "actor": "admin"}, "form_param_type_invalid", "actor", id="actor-type"
            ),
            pytest.param(
                {"user_id": "{user_id}", "actor": {"sub": "a"}, "expires_in_seconds": 0},
                "form_param_value_invalid",
                "expires_in_seconds",
                id="expires-zero",
            ),
            pytest.param(
                {"user_id": "{user_id}", "actor": {"sub": "a"}, "session_max_duration_in_seconds": -1},
                "form_param_value_invalid",
                "session_max_duration_in_seconds",
                id="duration-negative",
            ),
            pytest.param(
                {"user_id": "{user_id}", "actor": {"sub": "a"}, "org_id": "org_1"},
                "form_param_unknown",
                "org_id",
                id="unknown-field",
            ),
        ],
    )
    async def test_refuses_invalid_bodies(
        self, client: httpx.AsyncClient, body: dict[str, Any] | None, code: str, param: str
    ) -> None:
        user = await make_user(client)
        if body is not None and body.get("user_id") == "{user_id}":
            body = {**body, "user_id": user["id"]}
        response = await client.post("/v1/actor_tokens", json=body)
        assert response.status_code == 422, response.text
        assert error_of(response)["code"] == code and error_of(response)["meta"] == {"param_name": param}

    async def test_unknown_user(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/actor_tokens", json={"user_id": "user_missing", "actor": {"sub": "a"}})
        assert response.status_code == 422
        assert error_of(response)["code"] == "form_resource_not_found"
        assert error_of(response)["meta"] == {"param_name": "user_id"}

    async def test_user_of_another_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await other_client.post("/v1/actor_tokens", json={"user_id": user["id"], "actor": {"sub": "a"}})
        assert response.status_code == 422 and error_of(response)["code"] == "form_resource_not_found"

    async def test_requires_the_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            response = await anonymous.post("/v1/actor_tokens", json={"user_id": "user_x", "actor": {"sub": "a"}})
        assert response.status_code == 401


class TestRevokeActorToken:
    async def test_revokes_a_pending_token_once(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await create(client, user["id"])
        response = await client.post(f"/v1/actor_tokens/{token['id']}/revoke")
        assert response.status_code == 200
        revoked = response.json()
        assert set(revoked) == ACTOR_TOKEN_KEYS
        assert revoked["status"] == "revoked" and revoked["id"] == token["id"] and revoked["actor"] == token["actor"]
        assert revoked["updated_at"] >= token["updated_at"] and revoked["created_at"] == token["created_at"]
        again = await client.post(f"/v1/actor_tokens/{token['id']}/revoke")
        assert again.status_code == 400 and error_of(again)["code"] == "actor_token_cannot_be_revoked_code"

    async def test_unknown_token(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/actor_tokens/act_missing/revoke")
        assert response.status_code == 404 and error_of(response)["code"] == "resource_not_found"

    async def test_token_of_another_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await create(client, user["id"])
        assert (await other_client.post(f"/v1/actor_tokens/{token['id']}/revoke")).status_code == 404
        assert (await client.post(f"/v1/actor_tokens/{token['id']}/revoke")).json()["status"] == "revoked"
