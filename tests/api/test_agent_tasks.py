"""Agent tasks: create and revoke (Backend API), and the sign-in their URL stands for (locum's
Frontend API stand-in), which starts a session whose actor is the agent."""

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from fastapi import FastAPI

from locum.instances.service import create_instance
from locum.kit import clock
from tests.builders import error_of, make_user, unique_email
from tests.conftest import TEST_ORIGIN, api_client

AGENT_TASK_KEYS = {"object", "agent_id", "agent_task_id", "task_id"}
AGENT_ID = re.compile(r"^agent_[0-9A-Za-z]{27}$")
AGENT_TASK_ID = re.compile(r"^agttsk_[0-9A-Za-z]{27}$")
REDIRECT_URL = "http://localhost:3000/dashboard"
SECOND_MS = 1000
TICKET_LIFETIME_S = 3600
DEFAULT_SESSION_S = 1800
REQUIRED_FIELDS = ["on_behalf_of", "permissions", "agent_name", "task_description", "redirect_url"]


def task_body(user_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    return {
        "on_behalf_of": {"user_id": user_id},
        "permissions": "*",
        "agent_name": "test-agent",
        "task_description": "Sign in to check the dashboard",
        "redirect_url": REDIRECT_URL,
        **overrides,
    }


async def create(client: httpx.AsyncClient, user_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/agents/tasks", json=task_body(user_id, **overrides))
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def secret_of(task: dict[str, Any]) -> str:
    return parse_qs(urlsplit(task["url"]).query)["token"][0]


async def consume(client: httpx.AsyncClient, task: dict[str, Any], **body: Any) -> httpx.Response:
    return await client.post("/locum/agent_tasks/consume", json={"token": secret_of(task), **body})


async def signed_in(client: httpx.AsyncClient, task: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await consume(client, task, **body)
    assert response.status_code == 200, response.text
    credentials: dict[str, Any] = response.json()
    return credentials


async def claims_of(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    header = jwt.get_unverified_header(token)
    keys = (await client.get("/v1/jwks")).json()["keys"]
    key = jwt.PyJWK(next(k for k in keys if k["kid"] == header["kid"])).key
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], options={"verify_exp": False})
    return claims


@pytest.fixture
async def production_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.state.sessionmaker() as session:
        keys = await create_instance(session, app.state.sealer, environment_type="production")
        await session.commit()
    async with api_client(app, keys.secret_key) as http:
        yield http


class TestCreateAgentTask:
    async def test_creates_a_task_whose_url_holds_its_secret(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        task = await create(client, user["id"])
        assert set(task) == AGENT_TASK_KEYS | {"url"} and task["object"] == "agent_task"
        assert AGENT_TASK_ID.match(task["agent_task_id"]) and task["task_id"] == task["agent_task_id"]
        assert AGENT_ID.match(task["agent_id"])
        url = urlsplit(task["url"])
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{TEST_ORIGIN}/locum/agent_tasks/consume"
        assert len(secret_of(task)) >= 40

    async def test_agent_id_is_stable_per_agent_name_within_an_instance(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user, other_user = await make_user(client), await make_user(other_client)
        first, second = await create(client, user["id"]), await create(client, user["id"])
        assert first["agent_id"] == second["agent_id"] and first["agent_task_id"] != second["agent_task_id"]
        assert secret_of(first) != secret_of(second)
        renamed = await create(client, user["id"], agent_name="other-agent")
        assert renamed["agent_id"] != first["agent_id"]
        elsewhere = await create(other_client, other_user["id"])
        assert elsewhere["agent_id"] != first["agent_id"]

    @pytest.mark.parametrize(
        "identifier",
        [
            pytest.param("{email}", id="email"),
            pytest.param("{EMAIL}", id="email-any-case"),
            pytest.param("+14155550142", id="phone"),
            pytest.param("agent_owner", id="username"),
        ],
    )
    async def test_finds_the_user_by_a_verified_identifier(self, client: httpx.AsyncClient, identifier: str) -> None:
        email = unique_email("owner")
        user = await make_user(client, email_address=[email], phone_number=["+14155550142"], username="agent_owner")
        identifier = identifier.replace("{email}", email).replace("{EMAIL}", email.upper())
        task = await create(client, on_behalf_of={"identifier": identifier})
        credentials = await signed_in(client, task)
        assert credentials["session"]["user_id"] == user["id"]

    async def test_an_unverified_email_address_finds_no_user(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        unverified = unique_email("unverified")
        added = await client.post(
            "/v1/email_addresses", json={"user_id": user["id"], "email_address": unverified, "verified": False}
        )
        assert added.status_code == 200, added.text
        response = await client.post("/v1/agents/tasks", json=task_body(on_behalf_of={"identifier": unverified}))
        assert response.status_code == 422
        assert error_of(response)["code"] == "form_identifier_not_found"
        assert error_of(response)["meta"] == {"param_name": "on_behalf_of.identifier"}

    @pytest.mark.parametrize(
        "identifier",
        [
            pytest.param("nobody@example.com", id="email"),
            pytest.param("+14155550199", id="phone"),
            pytest.param("nobody", id="username"),
            pytest.param("not an @ address", id="malformed-email"),
            pytest.param("+1", id="malformed-phone"),
        ],
    )
    async def test_an_identifier_no_user_has_is_a_form_error(self, client: httpx.AsyncClient, identifier: str) -> None:
        await make_user(client)
        response = await client.post("/v1/agents/tasks", json=task_body(on_behalf_of={"identifier": identifier}))
        assert response.status_code == 422 and error_of(response)["code"] == "form_identifier_not_found"

    async def test_an_identifier_of_another_instance_finds_no_user(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        email = unique_email("elsewhere")
        await make_user(client, email_address=[email])
        response = await other_client.post("/v1/agents/tasks", json=task_body(on_behalf_of={"identifier": email}))
        assert response.status_code == 422 and error_of(response)["code"] == "form_identifier_not_found"

    async def test_an_unknown_user_id_is_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/agents/tasks", json=task_body("user_missing"))
        assert response.status_code == 404 and error_of(response)["code"] == "resource_not_found"

    async def test_a_user_of_another_instance_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        response = await other_client.post("/v1/agents/tasks", json=task_body(user["id"]))
        assert response.status_code == 404 and error_of(response)["code"] == "resource_not_found"

    @pytest.mark.parametrize(
        ("on_behalf_of", "code"),
        [
            pytest.param({}, "form_param_missing", id="neither"),
            pytest.param({"user_id": None, "identifier": None}, "form_param_missing", id="both-null"),
            pytest.param({"user_id": "{user_id}", "identifier": "{email}"}, "form_param_value_invalid", id="both"),
        ],
    )
    async def test_on_behalf_of_names_the_user_exactly_once(
        self, client: httpx.AsyncClient, on_behalf_of: dict[str, Any], code: str
    ) -> None:
        user = await make_user(client)
        filled = {
            key: value and value.format(user_id=user["id"], email=user["email_addresses"][0]["email_address"])
            for key, value in on_behalf_of.items()
        }
        response = await client.post("/v1/agents/tasks", json=task_body(on_behalf_of=filled))
        assert response.status_code == 422
        assert error_of(response)["code"] == code and error_of(response)["meta"] == {"param_name": "on_behalf_of"}

    @pytest.mark.parametrize(
        ("overrides", "code", "param"),
        [
            pytest.param({"permissions": "read"}, "form_param_value_invalid", "permissions", id="permissions"),
            pytest.param({"permissions": None}, "form_param_value_invalid", "permissions", id="permissions-null"),
            pytest.param({"agent_name": ""}, "form_param_min_length_exceeded", "agent_name", id="agent-name-empty"),
            pytest.param(
                {"agent_name": "a" * 256}, "form_param_max_length_exceeded", "agent_name", id="agent-name-long"
            ),
            pytest.param(
                {"task_description": ""},
                "form_param_min_length_exceeded",
                "task_description",
                id="description-empty",
            ),
            pytest.param(
                {"task_description": "d" * (64 * 1024 + 1)},
                "form_param_max_length_exceeded",
                "task_description",
                id="description-long",
            ),
            pytest.param({"redirect_url": "/dashboard"}, "form_param_format_invalid", "redirect_url", id="relative"),
            pytest.param(
                {"redirect_url": "javascript:alert(1)"}, "form_param_format_invalid", "redirect_url", id="scheme"
            ),
            pytest.param(
                {"redirect_url": "https:///dashboard"}, "form_param_format_invalid", "redirect_url", id="no-host"
            ),
            pytest.param(
                {"redirect_url": "https://app.example.com/a b"}, "form_param_format_invalid", "redirect_url", id="space"
            ),
            pytest.param(
                {"session_max_duration_in_seconds": 0},
                "form_param_value_invalid",
                "session_max_duration_in_seconds",
                id="duration-zero",
            ),
            pytest.param(
                {"session_max_duration_in_seconds": 315_360_001},
                "form_param_value_invalid",
                "session_max_duration_in_seconds",
                id="duration-over-ten-years",
            ),
            pytest.param(
                {"on_behalf_of": {"user_id": "user_x", "email": "a@example.com"}},
                "form_param_unknown",
                "on_behalf_of.email",
                id="unknown-on-behalf-of-field",
            ),
            pytest.param({"expires_in_seconds": 60}, "form_param_unknown", "expires_in_seconds", id="unknown-field"),
        ],
    )
    async def test_refuses_invalid_bodies(
        self, client: httpx.AsyncClient, overrides: dict[str, Any], code: str, param: str
    ) -> None:
        user = await make_user(client)
        response = await client.post("/v1/agents/tasks", json=task_body(user["id"], **overrides))
        assert response.status_code == 422, response.text
        assert error_of(response)["code"] == code and error_of(response)["meta"] == {"param_name": param}

    @pytest.mark.parametrize("missing", REQUIRED_FIELDS)
    async def test_requires_every_field_but_the_session_duration(self, client: httpx.AsyncClient, missing: str) -> None:
        user = await make_user(client)
        body = task_body(user["id"])
        del body[missing]
        response = await client.post("/v1/agents/tasks", json=body)
        assert response.status_code == 422
        assert error_of(response)["code"] == "form_param_missing"
        assert error_of(response)["meta"] == {"param_name": missing}

    async def test_production_instances_need_an_https_redirect_url(self, production_client: httpx.AsyncClient) -> None:
        user = await make_user(production_client)
        response = await production_client.post("/v1/agents/tasks", json=task_body(user["id"]))
        assert response.status_code == 422
        assert error_of(response)["code"] == "insecure_url"
        assert error_of(response)["meta"] == {"param_name": "redirect_url"}
        await create(production_client, user["id"], redirect_url="https://app.example.com/dashboard")

    async def test_requires_the_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            response = await anonymous.post("/v1/agents/tasks", json=task_body("user_x"))
        assert response.status_code == 401


class TestRevokeAgentTask:
    async def test_revokes_a_pending_task_once(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        task = await create(client, user["id"])
        response = await client.post(f"/v1/agents/tasks/{task['agent_task_id']}/revoke")
        assert response.status_code == 200, response.text
        assert response.json() == {key: task[key] for key in AGENT_TASK_KEYS}
        again = await client.post(f"/v1/agents/tasks/{task['agent_task_id']}/revoke")
        assert again.status_code == 400 and error_of(again)["code"] == "agent_task_cannot_be_revoked"

    async def test_a_revoked_task_signs_nobody_in(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        task = await create(client, user["id"])
        assert (await client.post(f"/v1/agents/tasks/{task['agent_task_id']}/revoke")).status_code == 200
        response = await consume(client, task)
        assert response.status_code == 400 and error_of(response)["code"] == "ticket_invalid"

    async def test_a_consumed_task_cannot_be_revoked(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        task = await create(client, user["id"])
        await signed_in(client, task)
        response = await client.post(f"/v1/agents/tasks/{task['agent_task_id']}/revoke")
        assert response.status_code == 400 and error_of(response)["code"] == "agent_task_cannot_be_revoked"

    async def test_an_expired_task_can_still_be_revoked(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        user = await make_user(client)
        task = await create(client, user["id"])
        clock.freeze(frozen_clock + TICKET_LIFETIME_S * SECOND_MS)
        assert (await client.post(f"/v1/agents/tasks/{task['agent_task_id']}/revoke")).status_code == 200

    async def test_an_unknown_task_is_agent_task_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/agents/tasks/agttsk_missing/revoke")
        assert response.status_code == 404 and error_of(response)["code"] == "agent_task_not_found"

    async def test_a_task_of_another_instance_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        task = await create(client, user["id"])
        response = await other_client.post(f"/v1/agents/tasks/{task['agent_task_id']}/revoke")
        assert response.status_code == 404 and error_of(response)["code"] == "agent_task_not_found"
        assert (await client.post(f"/v1/agents/tasks/{task['agent_task_id']}/revoke")).status_code == 200


class TestConsumeAgentTask:
    async def test_signs_the_user_in_with_the_agent_as_actor(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        task = await create(client, user["id"], session_max_duration_in_seconds=600)
        credentials = await signed_in(client, task, origin="http://localhost:3000")
        assert credentials["object"] == "locum_sign_in" and credentials["redirect_url"] == REDIRECT_URL
        session = credentials["session"]
        actor = {"sub": task["agent_id"], "type": "agent"}
        assert session["user_id"] == user["id"] and session["status"] == "active" and session["actor"] == actor
        assert session["expire_at"] - session["created_at"] == 600 * SECOND_MS
        assert credentials["client"]["last_authentication_strategy"] == "ticket"
        assert (await client.get(f"/v1/sessions/{session['id']}")).json() == session
        claims = await claims_of(client, credentials["session_token"])
        assert claims["act"] == actor and claims["sub"] == user["id"] and claims["sid"] == session["id"]

    async def test_the_session_lasts_thirty_minutes_by_default(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        session = (await signed_in(client, await create(client, user["id"])))["session"]
        assert session["expire_at"] - session["created_at"] == DEFAULT_SESSION_S * SECOND_MS

    async def test_is_single_use(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        task = await create(client, user["id"])
        await signed_in(client, task)
        again = await consume(client, task)
        assert again.status_code == 400 and error_of(again)["code"] == "ticket_invalid"

    async def test_expires_an_hour_after_creation(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        user = await make_user(client)
        lasting, expiring = await create(client, user["id"]), await create(client, user["id"])
        clock.freeze(frozen_clock + TICKET_LIFETIME_S * SECOND_MS - 1)
        await signed_in(client, lasting)
        clock.freeze(frozen_clock + TICKET_LIFETIME_S * SECOND_MS)
        expired = await consume(client, expiring)
        assert expired.status_code == 400 and error_of(expired)["code"] == "ticket_expired"

    async def test_a_task_of_another_instance_signs_nobody_in(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        task = await create(client, user["id"])
        response = await consume(other_client, task)
        assert response.status_code == 400 and error_of(response)["code"] == "ticket_invalid"
        await signed_in(client, task)
