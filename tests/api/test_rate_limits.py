"""Clerk's rate limits: off by default, on with LOCUM_RATE_LIMITS=clerk (429 + Retry-After).

Windows are measured on locum's clock, frozen here and moved by hand: nothing waits.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from locum.api.rate_limits import (
    DEVELOPMENT_INSTANCE_LIMIT,
    HOUR_MS,
    INSTANCE_WINDOW_MS,
    PRODUCTION_INSTANCE_LIMIT,
    UPDATE_LIMIT,
    UPDATE_WINDOW_MS,
)
from locum.app import create_app
from locum.instances.service import create_instance
from locum.kit import clock
from locum.settings import Settings
from tests.builders import inspection_session, make_organization, make_user
from tests.conftest import api_client, next_signing_key

UNKNOWN_ORGANIZATION = "org_2unknown000000000000000000"
INVITATION = {"email_address": "invitee@example.com", "role": "org:member"}


@pytest.fixture(scope="module")
async def limited_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"rate_limits": "clerk"}))
    async with application.router.lifespan_context(application):
        yield application


@asynccontextmanager
async def client_of_new_instance(
    app: FastAPI, environment_type: str = "development"
) -> AsyncIterator[httpx.AsyncClient]:
    async with inspection_session(app) as session:
        keys = await create_instance(
            session, app.state.sealer, environment_type=environment_type, private_key_pem=next_signing_key()
        )
        await session.commit()
    async with api_client(app, keys.secret_key) as http:
        yield http


@pytest.fixture
async def limited_client(limited_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of_new_instance(limited_app) as http:
        yield http


@pytest.fixture
async def production_client(limited_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of_new_instance(limited_app, "production") as http:
        yield http


async def list_users(client: httpx.AsyncClient, count: int) -> list[int]:
    return [(await client.get("/v1/users", params={"limit": 1})).status_code for _ in range(count)]


def assert_refused(response: httpx.Response, retry_after_seconds: int) -> None:
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "too_many_requests"
    assert response.headers["retry-after"] == str(retry_after_seconds)


class TestOffByDefault:
    async def test_requests_over_the_limits_pass(self, client: httpx.AsyncClient) -> None:
        assert await list_users(client, DEVELOPMENT_INSTANCE_LIMIT + 1) == [200] * (DEVELOPMENT_INSTANCE_LIMIT + 1)
        user = await make_user(client)
        updates = [await client.patch(f"/v1/users/{user['id']}", json={"first_name": "A"}) for _ in range(11)]
        assert [response.status_code for response in updates] == [200] * 11


class TestInstanceLimit:
    async def test_the_101st_request_in_a_window_is_refused_until_the_window_ends(
        self, limited_client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        assert await list_users(limited_client, DEVELOPMENT_INSTANCE_LIMIT) == [200] * DEVELOPMENT_INSTANCE_LIMIT
        assert_refused(await limited_client.get("/v1/users"), INSTANCE_WINDOW_MS // 1000)
        clock.freeze(frozen_clock + 3_500)
        assert_refused(await limited_client.post("/v1/users", json={}), 7)
        clock.freeze(frozen_clock + INSTANCE_WINDOW_MS)
        assert await list_users(limited_client, 1) == [200]

    async def test_refused_requests_do_not_count_towards_the_next_window(
        self, limited_client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        await list_users(limited_client, DEVELOPMENT_INSTANCE_LIMIT)
        assert await list_users(limited_client, 5) == [429] * 5
        clock.freeze(frozen_clock + INSTANCE_WINDOW_MS)
        assert await list_users(limited_client, DEVELOPMENT_INSTANCE_LIMIT) == [200] * DEVELOPMENT_INSTANCE_LIMIT
        assert await list_users(limited_client, 1) == [429]

    async def test_jwks_is_never_limited_nor_counted(
        self, limited_client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        jwks = [(await limited_client.get("/v1/jwks")).status_code for _ in range(DEVELOPMENT_INSTANCE_LIMIT + 1)]
        assert jwks == [200] * (DEVELOPMENT_INSTANCE_LIMIT + 1)
        assert await list_users(limited_client, DEVELOPMENT_INSTANCE_LIMIT) == [200] * DEVELOPMENT_INSTANCE_LIMIT
        assert (await limited_client.get("/v1/jwks")).status_code == 200

    async def test_instances_are_counted_apart(
        self, limited_app: FastAPI, limited_client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        await list_users(limited_client, DEVELOPMENT_INSTANCE_LIMIT)
        assert await list_users(limited_client, 1) == [429]
        async with client_of_new_instance(limited_app) as other:
            assert await list_users(other, 1) == [200]

    async def test_a_production_instance_allows_1000_requests(
        self, production_client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        assert await list_users(production_client, PRODUCTION_INSTANCE_LIMIT) == [200] * PRODUCTION_INSTANCE_LIMIT
        assert_refused(await production_client.get("/v1/users"), INSTANCE_WINDOW_MS // 1000)

    async def test_locum_endpoints_are_not_limited(self, limited_client: httpx.AsyncClient, frozen_clock: int) -> None:
        await list_users(limited_client, DEVELOPMENT_INSTANCE_LIMIT)
        assert (await limited_client.get("/locum/webhooks/endpoints")).status_code == 200


async def update_user(client: httpx.AsyncClient, user_id: str, attempt: int) -> httpx.Response:
    """PATCH /users/{id} and both metadata operations in turn: they share the user's limit."""
    if attempt % 3 == 0:
        return await client.patch(f"/v1/users/{user_id}", json={"first_name": f"Name {attempt}"})
    method = "PATCH" if attempt % 3 == 1 else "PUT"
    return await client.request(method, f"/v1/users/{user_id}/metadata", json={"public_metadata": {"n": attempt}})


async def update_organization(client: httpx.AsyncClient, organization_id: str, attempt: int) -> httpx.Response:
    if attempt % 3 == 0:
        return await client.patch(f"/v1/organizations/{organization_id}", json={"name": f"Name {attempt}"})
    method = "PATCH" if attempt % 3 == 1 else "PUT"
    path = f"/v1/organizations/{organization_id}/metadata"
    return await client.request(method, path, json={"public_metadata": {"n": attempt}})


async def update_membership(client: httpx.AsyncClient, membership: tuple[str, str], attempt: int) -> httpx.Response:
    path = "/v1/organizations/{}/memberships/{}".format(*membership)
    if attempt % 2 == 0:
        return await client.patch(path, json={"role": "org:member"})
    return await client.patch(f"{path}/metadata", json={"public_metadata": {"n": attempt}})


async def new_user(client: httpx.AsyncClient) -> str:
    return str((await make_user(client))["id"])


async def new_organization(client: httpx.AsyncClient) -> str:
    return str((await make_organization(client))["id"])


async def new_membership(client: httpx.AsyncClient) -> tuple[str, str]:
    organization_id, user_id = await new_organization(client), await new_user(client)
    response = await client.post(
        f"/v1/organizations/{organization_id}/memberships", json={"user_id": user_id, "role": "org:member"}
    )
    assert response.status_code == 200, response.text
    return organization_id, user_id


UPDATES = [
    pytest.param(new_user, update_user, id="user"),
    pytest.param(new_organization, update_organization, id="organization"),
    pytest.param(new_membership, update_membership, id="membership"),
]


class TestUpdateLimits:
    @pytest.mark.parametrize(("make", "update"), UPDATES)
    async def test_the_11th_update_of_one_resource_in_a_window_is_refused(
        self, limited_client: httpx.AsyncClient, frozen_clock: int, make: Any, update: Any
    ) -> None:
        resource, other = await make(limited_client), await make(limited_client)
        statuses = [(await update(limited_client, resource, attempt)).status_code for attempt in range(UPDATE_LIMIT)]
        assert statuses == [200] * UPDATE_LIMIT
        assert_refused(await update(limited_client, resource, UPDATE_LIMIT), UPDATE_WINDOW_MS // 1000)
        assert (await update(limited_client, other, 0)).status_code == 200
        clock.freeze(frozen_clock + UPDATE_WINDOW_MS)
        assert (await update(limited_client, resource, 0)).status_code == 200


# Requests that are all refused, so each one counts without making anything: an invalid address, or an
# unknown organization.
NOT_AN_EMAIL = {"email_address": "not an address"}
INVITATIONS = [
    pytest.param("/v1/invitations", NOT_AN_EMAIL, 100, 422, id="instance"),
    pytest.param("/v1/invitations/bulk", [NOT_AN_EMAIL], 25, 422, id="instance-bulk"),
    pytest.param(f"/v1/organizations/{UNKNOWN_ORGANIZATION}/invitations", INVITATION, 250, 404, id="organization"),
    pytest.param(
        f"/v1/organizations/{UNKNOWN_ORGANIZATION}/invitations/bulk", [INVITATION], 50, 404, id="organization-bulk"
    ),
]


class TestInvitationLimits:
    @pytest.mark.parametrize(("path", "body", "per_hour", "status"), INVITATIONS)
    async def test_invitations_over_the_hourly_limit_are_refused(
        self,
        production_client: httpx.AsyncClient,
        frozen_clock: int,
        path: str,
        body: Any,
        per_hour: int,
        status: int,
    ) -> None:
        # Every request counts, whatever its answer.
        statuses = [(await production_client.post(path, json=body)).status_code for _ in range(per_hour)]
        assert statuses == [status] * per_hour
        assert_refused(await production_client.post(path, json=body), HOUR_MS // 1000)
        assert await list_users(production_client, 1) == [200]
        clock.freeze(frozen_clock + HOUR_MS)
        assert (await production_client.post(path, json=body)).status_code == status
