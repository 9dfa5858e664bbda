"""Sign-in tokens: create (with an organization to activate) and revoke; consuming one is tested
with the Frontend API stand-ins."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from tests.builders import error_of, make_user, sign_in_token
from tests.conftest import TEST_ORIGIN, api_client

SIGN_IN_TOKEN_KEYS = {"object", "id", "status", "user_id", "created_at", "updated_at"}


async def organization_of(client: httpx.AsyncClient, creator_id: str) -> dict[str, Any]:
    response = await client.post("/v1/organizations", json={"name": "Acme", "created_by": creator_id})
    assert response.status_code == 200, response.text
    organization: dict[str, Any] = response.json()
    return organization


class TestCreateSignInToken:
    async def test_creates_a_pending_token_with_its_secret_and_url(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await sign_in_token(client, user["id"])
        assert set(token) == SIGN_IN_TOKEN_KEYS | {"token", "url"}
        assert token["object"] == "sign_in_token" and token["id"].startswith("sit_")
        assert token["status"] == "pending" and token["user_id"] == user["id"]
        assert token["created_at"] == token["updated_at"]
        url = urlsplit(token["url"])
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{TEST_ORIGIN}/locum/sign_in_tokens/consume"
        assert parse_qs(url.query) == {"token": [token["token"]]}
        assert token["token"] != (await sign_in_token(client, user["id"]))["token"]

    async def test_for_an_organization_the_user_belongs_to(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        organization = await organization_of(client, user["id"])
        token = await sign_in_token(client, user["id"], org_id=organization["id"], expires_in_seconds=60)
        assert token["status"] == "pending"
        assert (await sign_in_token(client, user["id"], org_id=None, expires_in_seconds=None))["status"] == "pending"

    async def test_organization_the_user_is_not_a_member_of(self, client: httpx.AsyncClient) -> None:
        owner, outsider = await make_user(client), await make_user(client)
        organization = await organization_of(client, owner["id"])
        body = {"user_id": outsider["id"], "org_id": organization["id"]}
        response = await client.post("/v1/sign_in_tokens", json=body)
        assert response.status_code == 403 and error_of(response)["code"] == "not_a_member_in_organization"

    async def test_unknown_organization(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.post("/v1/sign_in_tokens", json={"user_id": user["id"], "org_id": "org_missing"})
        assert response.status_code == 404 and error_of(response)["code"] == "resource_not_found"

    async def test_organizations_disabled(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        organization = await organization_of(client, user["id"])
        disabled = await client.patch("/v1/instance/organization_settings", json={"enabled": False})
        assert disabled.status_code == 200
        response = await client.post("/v1/sign_in_tokens", json={"user_id": user["id"], "org_id": organization["id"]})
        assert response.status_code == 403 and error_of(response)["code"] == "organization_not_enabled_in_instance"
        assert (await client.post("/v1/sign_in_tokens", json={"user_id": user["id"]})).status_code == 200

    async def test_unknown_user(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        for http, user_id in ((client, "user_missing"), (other_client, user["id"])):
            response = await http.post("/v1/sign_in_tokens", json={"user_id": user_id})
            assert response.status_code == 404 and error_of(response)["code"] == "resource_not_found"

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param(None, "form_param_missing", "user_id", id="no-body"),
            pytest.param({}, "form_param_missing", "user_id", id="no-user-id"),
            pytest.param(
                {"user_id": "{user_id}", "expires_in_seconds": 0},
                "form_param_value_invalid",
                "expires_in_seconds",
                id="expires-zero",
            ),
            pytest.param(
                {"user_id": "{user_id}", "expires_in_seconds": "soon"},
                "form_param_type_invalid",
                "expires_in_seconds",
                id="expires-type",
            ),
            pytest.param({"user_id": "{user_id}", "actor": {"sub": "a"}}, "form_param_unknown", "actor", id="unknown"),
        ],
    )
    async def test_refuses_invalid_bodies(
        self, client: httpx.AsyncClient, body: dict[str, Any] | None, code: str, param: str
    ) -> None:
        user = await make_user(client)
        if body is not None and body.get("user_id") == "{user_id}":
            body = {**body, "user_id": user["id"]}
        response = await client.post("/v1/sign_in_tokens", json=body)
        assert response.status_code == 422, response.text
        assert error_of(response)["code"] == code and error_of(response)["meta"] == {"param_name": param}

    async def test_requires_the_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            assert (await anonymous.post("/v1/sign_in_tokens", json={"user_id": "user_x"})).status_code == 401


class TestRevokeSignInToken:
    async def test_revokes_a_pending_token_once(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await sign_in_token(client, user["id"])
        response = await client.post(f"/v1/sign_in_tokens/{token['id']}/revoke")
        assert response.status_code == 200
        revoked = response.json()
        assert set(revoked) == SIGN_IN_TOKEN_KEYS
        assert revoked["status"] == "revoked" and revoked["id"] == token["id"] and revoked["user_id"] == user["id"]
        again = await client.post(f"/v1/sign_in_tokens/{token['id']}/revoke")
        assert again.status_code == 400 and error_of(again)["code"] == "sign_in_token_cannot_be_revoked_code"

    async def test_unknown_token(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await sign_in_token(client, user["id"])
        for http, token_id in ((client, "sit_missing"), (other_client, token["id"])):
            response = await http.post(f"/v1/sign_in_tokens/{token_id}/revoke")
            assert response.status_code == 404 and error_of(response)["code"] == "resource_not_found"
        assert (await client.post(f"/v1/sign_in_tokens/{token['id']}/revoke")).json()["status"] == "revoked"
