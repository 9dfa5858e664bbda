"""Production instances: what Clerk offers on development instances only is refused with
400 `request_invalid_for_environment` (api/environments.py); the production ways work."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.builders import clerk_error, make_user
from tests.conftest import api_client, new_instance


@pytest.fixture
async def production(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    keys = await new_instance(app, environment_type="production")
    assert keys.secret_key.startswith("sk_live_")
    async with api_client(app, keys.secret_key) as http:
        yield http


REFUSED = (400, "request_invalid_for_environment", None)


class TestCreateSession:
    """Clerk's spec: "intended only for use in testing, and is not available for production instances"."""

    async def test_is_refused_and_starts_no_session(self, production: httpx.AsyncClient) -> None:
        user = await make_user(production)
        response = await production.post("/v1/sessions", json={"user_id": user["id"]})
        assert clerk_error(response) == REFUSED
        assert (await production.get("/v1/sessions", params={"user_id": user["id"]})).json() == []

    @pytest.mark.parametrize(
        "body", [{}, {"user_id": "user_missing"}, {"user_id": 42}], ids=["no user", "unknown user", "bad type"]
    )
    async def test_is_refused_before_the_body_is_looked_at(
        self, production: httpx.AsyncClient, body: dict[str, object]
    ) -> None:
        assert clerk_error(await production.post("/v1/sessions", json=body)) == REFUSED

    async def test_development_instances_start_sessions(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        assert (await client.post("/v1/sessions", json={"user_id": user["id"]})).status_code == 200


class TestProductionWays:
    async def test_a_sign_in_token_starts_a_session(self, production: httpx.AsyncClient) -> None:
        user = await make_user(production)
        token = (await production.post("/v1/sign_in_tokens", json={"user_id": user["id"]})).json()["token"]
        signed_in = await production.post("/locum/sign_in_tokens/consume", json={"token": token})
        assert signed_in.status_code == 200, signed_in.text
        sessions = (await production.get("/v1/sessions", params={"user_id": user["id"]})).json()
        assert [session["status"] for session in sessions] == ["active"]

    async def test_testing_tokens_are_served(self, production: httpx.AsyncClient) -> None:
        # Clerk opened Testing Tokens to production instances on 2025-08-19 (its changelog).
        response = await production.post("/v1/testing_tokens")
        assert response.status_code == 200 and response.json()["object"] == "testing_token"
