"""A LocumRoute reads its endpoint's JSON body itself (api/bodies.py's RequestBody, api/routing.py), not
through FastAPI's dependency solving, with the answers FastAPI's way gives; and leaves it to FastAPI
where something FastAPI solves could refuse the request, since FastAPI reads the body first."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from locum.api.bodies import ClerkBody, RequestBody, body_of
from locum.api.deps import Context
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.instances.service import InstanceKeys
from locum.settings import Settings
from tests.conftest import probe_app_client


class ProbeBody(ClerkBody):
    name: str | None = None


async def _nothing() -> None:
    return None


router = resource_router()


async def echo_body(ctx: Context, body: Annotated[ProbeBody, body_of(ProbeBody)]) -> ClerkJSONResponse:
    return ClerkJSONResponse({"name": body.name, "instance_id": ctx.instance_id})


router.add_api_route("/bodies/{kind}/read_by_route", echo_body, methods=["POST"])
# A dependency FastAPI solves (it could refuse the request) leaves the body to FastAPI.
router.add_api_route("/bodies/{kind}/read_by_fastapi", echo_body, methods=["POST"], dependencies=[Depends(_nothing)])


def _route(path_end: str) -> Any:
    return next(route for route in router.routes if route.path.endswith(path_end))  # type: ignore[attr-defined]


@pytest.fixture
async def probe_client(settings: Settings, instance: InstanceKeys) -> AsyncIterator[httpx.AsyncClient]:
    async with probe_app_client(settings, instance, router) as http:
        yield http


def test_fastapi_solves_no_body_the_route_reads() -> None:
    route = _route("/read_by_route")
    assert route.body_field is None
    assert route.dependant.dependencies == []


def test_a_body_left_to_fastapi_is_solved_by_it() -> None:
    route = _route("/read_by_fastapi")
    assert route.body_field is not None
    assert any(isinstance(dependant.call, RequestBody) for dependant in route.dependant.dependencies)


def test_the_openapi_document_lists_the_body_either_way() -> None:
    app = FastAPI()
    app.include_router(router)
    paths = app.openapi()["paths"]
    read_by_route = paths["/bodies/{kind}/read_by_route"]["post"]
    read_by_fastapi = paths["/bodies/{kind}/read_by_fastapi"]["post"]
    assert read_by_route["requestBody"] == read_by_fastapi["requestBody"]
    assert read_by_route["responses"] == read_by_fastapi["responses"]


async def test_the_endpoint_gets_the_body_the_route_read(
    probe_client: httpx.AsyncClient, instance: InstanceKeys
) -> None:
    response = await probe_client.post("/locum/bodies/x/read_by_route", json={"name": "n"})

    assert response.json() == {"name": "n", "instance_id": instance.instance_id}


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.api+json",
        "text/plain",
        "application/x-www-form-urlencoded",
    ],
)
@pytest.mark.parametrize(
    "body",
    [b"", b"{}", b'{"name": "n"}', b'{"name": 5}', b'{"other": 1}', b"{bad", b"null", b"[]", b'{"name": "\\u0000"}'],
)
async def test_both_ways_give_the_same_answer(
    probe_client: httpx.AsyncClient, content_type: str | None, body: bytes
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    answers = [
        await probe_client.post(f"/locum/bodies/x/{way}", content=body, headers=headers)
        for way in ("read_by_route", "read_by_fastapi")
    ]

    by_route, by_fastapi = ((answer.status_code, answer.json().get("errors")) for answer in answers)
    assert by_route == by_fastapi
