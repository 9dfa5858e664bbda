"""Request values (api/deps.py): a LocumRoute endpoint gets its context, reader, sealer and sessions
computed from the request by the route (api/routing.py), not by FastAPI's dependency solving, and
every other parameter as FastAPI gives it."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import Request

from locum.api.deps import AppSealer, Context, DbReader
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.instances.service import InstanceKeys
from locum.settings import Settings
from tests.conftest import probe_app_client

router = resource_router()


@router.get("/request_values/{name}")
async def echo_request_values(
    name: str, ctx: Context, reader: DbReader, sealer: AppSealer, request: Request, limit: int = 10
) -> ClerkJSONResponse:
    state = request.app.state
    return ClerkJSONResponse(
        {
            "name": name,
            "limit": limit,
            "instance_id": ctx.instance_id,
            "api_version": ctx.api_version,
            "user_agent": (ctx.http_request or {}).get("user_agent"),
            "reader": reader is state.reader,
            "sealer": sealer is state.sealer,
        }
    )


@router.get("/request_values_without_request")
async def echo_context(ctx: Context) -> ClerkJSONResponse:
    return ClerkJSONResponse({"instance_id": ctx.instance_id})


@pytest.fixture
async def probe_client(settings: Settings, instance: InstanceKeys) -> AsyncIterator[httpx.AsyncClient]:
    async with probe_app_client(settings, instance, router) as http:
        yield http


class TestRequestValues:
    def test_fastapi_solves_none_of_them(self) -> None:
        for route in router.routes:
            assert route.dependant.dependencies == []  # type: ignore[attr-defined]

    async def test_an_endpoint_gets_them_beside_its_path_query_and_request_parameters(
        self, probe_client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        response = await probe_client.get(
            "/locum/request_values/x", params={"limit": 3}, headers={"User-Agent": "probe/1"}
        )

        assert response.status_code == 200
        assert response.json() == {
            "name": "x",
            "limit": 3,
            "instance_id": instance.instance_id,
            "api_version": response.json()["api_version"],
            "user_agent": "probe/1",
            "reader": True,
            "sealer": True,
        }

    async def test_an_endpoint_that_does_not_take_the_request_gets_them_too(
        self, probe_client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        response = await probe_client.get("/locum/request_values_without_request")

        assert response.json() == {"instance_id": instance.instance_id}

    async def test_its_other_parameters_are_still_validated(self, probe_client: httpx.AsyncClient) -> None:
        response = await probe_client.get("/locum/request_values/x", params={"limit": "many"})

        assert response.status_code == 422
