"""Dispatch through the route index (api/route_index.py): each request tries only the routes of its
path's group, and answers as trying every route in order would: literal before parameter, 405 for a
path served with other methods, redirects across a trailing slash, 404 in Clerk's envelope."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Match

from locum.api.errors import ROUTE_NOT_FOUND_MESSAGE
from locum.api.route_index import RouteIndex
from locum.instances.service import InstanceKeys
from tests.conftest import TEST_ORIGIN, api_client


@pytest.fixture
async def unchecked_client(app: FastAPI, instance: InstanceKeys) -> AsyncIterator[httpx.AsyncClient]:
    """Unknown paths and wrong methods have no operation in the spec to check against."""
    async with api_client(app, instance.secret_key, check_contract=False) as http:
        yield http


class TestOrder:
    async def test_a_literal_route_wins_over_the_parameter_declared_after_it(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/users/count")
        assert response.status_code == 200
        assert response.json()["object"] == "total_count"

    async def test_a_method_only_the_parameterised_route_serves_falls_through_to_it(
        self, client: httpx.AsyncClient
    ) -> None:
        # /users/count serves GET only; PATCH goes on to /users/{user_id}, which finds no user "count".
        response = await client.patch("/v1/users/count", json={"first_name": "x"})
        assert response.status_code == 404
        assert response.json()["errors"][0]["long_message"] == "The requested user could not be found."

    async def test_a_parameter_as_second_segment_serves_a_literal_it_does_not_declare(
        self, unchecked_client: httpx.AsyncClient
    ) -> None:
        # POST /api_keys/verify exists; GET there is /api_keys/{apiKeyID} with the id "verify".
        response = await unchecked_client.get("/api_keys/verify")
        assert response.status_code == 400
        assert "apiKeyID" in response.json()["errors"][0]["long_message"]


class TestMethodNotAllowed:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            pytest.param("DELETE", "/v1/users", id="resource"),
            pytest.param("PUT", "/v1/users/user_x", id="parameterised"),
            pytest.param("BREW", "/v1/users", id="unknown-method"),
            pytest.param("POST", "/v1/jwks", id="first-router"),
            pytest.param("GET", "/oauth_applications/access_tokens/verify", id="versionless"),
        ],
    )
    async def test_a_path_served_with_other_methods_is_405_in_clerks_envelope(
        self, unchecked_client: httpx.AsyncClient, method: str, path: str
    ) -> None:
        response = await unchecked_client.request(method, path)
        assert response.status_code == 405
        assert response.json()["errors"][0]["code"] == "method_not_allowed"
        assert method not in response.headers["allow"].split(", ")
        allowed = await unchecked_client.request(response.headers["allow"].split(", ")[0], path)
        assert allowed.status_code != 405


class TestNotFound:
    @pytest.mark.parametrize(
        "path",
        [
            pytest.param("/v1/no_such_resource", id="unknown-second-segment"),
            pytest.param("/no_such_prefix/users", id="unknown-first-segment"),
            pytest.param("/v1/users/user_x/no/such/thing", id="known-group"),
            pytest.param("/v1", id="version-alone"),
            pytest.param("/", id="root"),
        ],
    )
    async def test_an_unknown_path_is_404_in_clerks_envelope(
        self, unchecked_client: httpx.AsyncClient, path: str
    ) -> None:
        response = await unchecked_client.get(path)
        assert response.status_code == 404
        error = response.json()["errors"][0]
        assert (error["code"], error["long_message"]) == ("resource_not_found", ROUTE_NOT_FOUND_MESSAGE)


class TestTrailingSlash:
    @pytest.mark.parametrize(
        ("path", "location"),
        [
            pytest.param("/v1/users/", "/v1/users", id="resource"),
            pytest.param("/v1/users/user_x/", "/v1/users/user_x", id="parameterised"),
            pytest.param("/v1/users//", "/v1/users", id="slashes"),
            pytest.param("/healthz/", "/healthz", id="one-segment"),
        ],
    )
    async def test_a_path_served_without_its_trailing_slash_redirects_there(
        self, unchecked_client: httpx.AsyncClient, path: str, location: str
    ) -> None:
        response = await unchecked_client.get(path)
        assert response.status_code == 307
        assert response.headers["location"] == TEST_ORIGIN + location


def test_every_route_is_in_the_groups_of_the_paths_it_serves_and_redirects_from(app: FastAPI) -> None:
    index: RouteIndex = app.state.route_index
    for route in index.routes:
        template: str = route.path_format  # type: ignore[attr-defined]
        served = re.sub(r"\{[^}]+\}", "x", template)
        assert route.matches({"type": "http", "method": "GET", "path": served})[0] is not Match.NONE
        for path in (served, served.rstrip("/") + "/"):
            assert route in index.group({"type": "http", "path": path}).routes, f"{template} not tried for {path}"
