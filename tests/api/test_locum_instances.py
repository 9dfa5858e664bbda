"""/locum/instances: create and list instances with the default instance's secret key.

Instances are otherwise isolated, so any other instance's key is refused (403) and learns nothing.
"""

import base64
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import FastAPI

from locum.instances.service import ensure_default_instance
from tests.builders import clerk_error, error_code, inspection_session, make_user
from tests.conftest import TEST_ORIGIN, api_client


@pytest.fixture
async def default_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client with the default instance's key (the one `locum serve` made and `locum keys` prints)."""
    async with inspection_session(app) as db:
        keys = await ensure_default_instance(db, app.state.sealer, secret_key=None)
        await db.commit()
    async with api_client(app, keys.secret_key) as http:
        yield http


def frontend_host(publishable_key: str) -> str:
    """The host Clerk's SDKs read out of a publishable key (base64 of `<host>$`)."""
    encoded = publishable_key.split("_", 2)[2]
    decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    assert decoded.endswith("$") and decoded.count("$") == 1
    return decoded.removesuffix("$")


async def instance_count(client: httpx.AsyncClient) -> int:
    count: int = (await client.get("/locum/instances", params={"limit": 1})).json()["total_count"]
    return count


class TestCreateInstance:
    @pytest.mark.parametrize(("environment", "tag"), [("development", "test"), ("production", "live")])
    async def test_answers_the_new_instance_keys(
        self, default_client: httpx.AsyncClient, environment: str, tag: str
    ) -> None:
        response = await default_client.post("/locum/instances", json={"environment_type": environment})
        assert response.status_code == 200, response.text
        created = response.json()
        assert created["object"] == "instance" and created["id"].startswith("ins_")
        assert created["environment_type"] == environment and created["is_default"] is False
        assert created["secret_key"].startswith(f"sk_{tag}_")
        assert created["publishable_key"].startswith(f"pk_{tag}_")
        host = frontend_host(created["publishable_key"])
        assert "." in host and created["frontend_api_url"] == f"https://{host}"
        assert created["api_url"] == TEST_ORIGIN
        assert isinstance(load_pem_public_key(created["jwt_key"].encode()), RSAPublicKey)

    async def test_the_new_key_works_at_once_and_signs_with_the_answered_jwt_key(
        self, app: FastAPI, default_client: httpx.AsyncClient
    ) -> None:
        created = (await default_client.post("/locum/instances", json={"environment_type": "production"})).json()
        async with api_client(app, created["secret_key"]) as new:
            jwks = (await new.get("/v1/jwks")).json()["keys"]
            user = await make_user(new)
            assert (await new.get(f"/v1/users/{user['id']}")).status_code == 200
        served = jwt.PyJWK(jwks[0]).key.public_numbers()
        answered = load_pem_public_key(created["jwt_key"].encode())
        assert isinstance(answered, RSAPublicKey) and answered.public_numbers() == served
        assert (await default_client.get(f"/v1/users/{user['id']}")).status_code == 404

    async def test_starts_with_clerk_default_settings_and_roles(
        self, app: FastAPI, default_client: httpx.AsyncClient
    ) -> None:
        created = (await default_client.post("/locum/instances", json={"environment_type": "development"})).json()
        async with api_client(app, created["secret_key"]) as new:
            roles = (await new.get("/v1/organization_roles")).json()["data"]
            settings = await new.get("/v1/instance/organization_settings")
        assert {"org:admin", "org:member"} <= {role["key"] for role in roles}
        assert settings.status_code == 200

    @pytest.mark.parametrize(
        ("body", "param"),
        [({}, "environment_type"), ({"environment_type": "staging"}, "environment_type")],
    )
    async def test_refuses_a_missing_or_unknown_environment(
        self, default_client: httpx.AsyncClient, body: dict[str, str], param: str
    ) -> None:
        before = await instance_count(default_client)
        response = await default_client.post("/locum/instances", json=body)
        status, _, param_name = clerk_error(response)
        assert status == 422 and param_name == param
        assert await instance_count(default_client) == before

    async def test_another_instance_key_may_not(
        self, client: httpx.AsyncClient, default_client: httpx.AsyncClient
    ) -> None:
        before = await instance_count(default_client)
        response = await client.post("/locum/instances", json={"environment_type": "development"})
        assert response.status_code == 403 and error_code(response) == "authorization_invalid"
        assert await instance_count(default_client) == before

    async def test_needs_a_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            response = await anonymous.post("/locum/instances", json={"environment_type": "development"})
        assert response.status_code == 401


class TestListInstances:
    async def test_lists_every_instance_oldest_first_without_secret_keys(
        self, default_client: httpx.AsyncClient
    ) -> None:
        created = (await default_client.post("/locum/instances", json={"environment_type": "production"})).json()
        total = await instance_count(default_client)
        last = (await default_client.get("/locum/instances", params={"limit": 1, "offset": total - 1})).json()
        assert last["total_count"] == total and [item["id"] for item in last["data"]] == [created["id"]]
        assert last["data"][0] == {
            key: created[key]
            for key in ("object", "id", "environment_type", "is_default", "publishable_key", "frontend_api_url")
        } | {"created_at": created["created_at"]}
        first = (await default_client.get("/locum/instances", params={"limit": 1})).json()["data"][0]
        assert first["is_default"] is True
        page = (await default_client.get("/locum/instances", params={"limit": 500})).json()["data"]
        assert all("secret_key" not in item and "jwt_key" not in item for item in page)
        assert [item["created_at"] for item in page] == sorted(item["created_at"] for item in page)

    async def test_another_instance_key_may_not(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/locum/instances")
        assert response.status_code == 403 and error_code(response) == "authorization_invalid"
        assert "data" not in response.json()

    async def test_refuses_a_limit_out_of_bounds(self, default_client: httpx.AsyncClient) -> None:
        response = await default_client.get("/locum/instances", params={"limit": 0})
        assert clerk_error(response) == (422, "form_param_value_invalid", "limit")
