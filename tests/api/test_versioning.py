import httpx
import pytest

from locum.api.versioning import RELEASED_VERSIONS


@pytest.mark.parametrize("version", RELEASED_VERSIONS)
async def test_every_released_version_is_accepted(client: httpx.AsyncClient, version: str) -> None:
    assert (await client.get("/v1/users", headers={"Clerk-API-Version": version})).status_code == 200
    assert (await client.get("/v1/users", params={"__clerk_api_version": version})).status_code == 200


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        pytest.param({"Clerk-API-Version": "2020-01-01"}, {}, id="unknown-header"),
        pytest.param({}, {"__clerk_api_version": "latest"}, id="unknown-query"),
        pytest.param({"Clerk-API-Version": "2025-11-10"}, {"__clerk_api_version": "2025-11-10"}, id="both"),
    ],
)
async def test_invalid_version_is_refused(client: httpx.AsyncClient, headers: dict, params: dict) -> None:
    response = await client.get("/v1/users", headers=headers, params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "api_version_invalid"
