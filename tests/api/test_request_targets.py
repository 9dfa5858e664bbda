"""Paths and query strings are held to the same bounds on both databases: integers within 64 bits, no NUL."""

from typing import Any

import httpx
import pytest

from tests.builders import clerk_error, make_organization, make_user

BEYOND_INT64 = str(2**63)
BEYOND_UINT64 = "99999999999999999999999"


@pytest.fixture
async def organization(client: httpx.AsyncClient) -> dict[str, Any]:
    return await make_organization(client)


class TestQueryIntegers:
    @pytest.mark.parametrize(
        ("path", "param", "value"),
        [
            pytest.param("/v1/users", "offset", BEYOND_INT64, id="users-offset"),
            pytest.param("/v1/users", "created_at_after", BEYOND_UINT64, id="users-created-after"),
            pytest.param("/v1/users", "last_active_at_before", BEYOND_INT64, id="users-last-active"),
            pytest.param("/v1/users/count", "last_sign_in_at_after", BEYOND_INT64, id="users-count"),
            pytest.param("/v1/organizations", "offset", BEYOND_INT64, id="organizations-offset"),
            pytest.param("/v1/jwt_templates", "offset", BEYOND_INT64, id="jwt-templates-offset"),
            pytest.param("/v1/organization_roles", "offset", BEYOND_INT64, id="roles-offset"),
        ],
    )
    async def test_integers_beyond_64_bits_are_refused(
        self, client: httpx.AsyncClient, path: str, param: str, value: str
    ) -> None:
        response = await client.get(path, params={param: value})
        assert clerk_error(response) == (422, "form_param_value_invalid", param)

    async def test_membership_filters_are_bounded(
        self, client: httpx.AsyncClient, organization: dict[str, Any]
    ) -> None:
        path = f"/v1/organizations/{organization['id']}/memberships"
        response = await client.get(path, params={"last_active_at_before": BEYOND_INT64})
        assert clerk_error(response) == (422, "form_param_value_invalid", "last_active_at_before")

    async def test_the_largest_64_bit_offset_is_an_empty_page(self, client: httpx.AsyncClient) -> None:
        await make_user(client)
        response = await client.get("/v1/users", params={"offset": str(2**63 - 1)})
        assert response.status_code == 200 and response.json() == []


class TestNulCharacters:
    @pytest.mark.parametrize(
        "target",
        [
            pytest.param("/v1/users/%00", id="path-id"),
            pytest.param("/v1/users?email_address=%00", id="query-filter"),
            pytest.param("/v1/users?query=a%00b", id="query-search"),
            pytest.param("/v1/organizations/org%00x/memberships", id="nested-path"),
        ],
    )
    async def test_a_nul_in_the_target_is_refused(self, client: httpx.AsyncClient, target: str) -> None:
        response = await client.get(target)
        assert clerk_error(response) == (400, "malformed_request_parameters", None)

    async def test_public_image_paths_refuse_it_too(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/locum/images/%00", headers={"authorization": ""})
        assert clerk_error(response) == (400, "malformed_request_parameters", None)

    async def test_a_bad_key_is_answered_first(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/users/%00", headers={"authorization": "Bearer sk_test_wrong"})
        assert clerk_error(response) == (401, "clerk_key_invalid", None)
