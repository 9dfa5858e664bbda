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


async def test_metadata_in_update_user_is_refused_from_2026_05_12(client: httpx.AsyncClient) -> None:
    user = (await client.post("/v1/users", json={})).json()
    body = {"first_name": "Ada", "public_metadata": {"plan": "pro"}}
    older = await client.patch(f"/v1/users/{user['id']}", json=body, headers={"Clerk-API-Version": "2025-11-10"})
    assert older.status_code == 200 and older.json()["public_metadata"] == {"plan": "pro"}
    newer = await client.patch(f"/v1/users/{user['id']}", json=body, headers={"Clerk-API-Version": "2026-05-12"})
    assert newer.status_code == 422
    assert newer.json()["errors"][0]["code"] == "form_param_unknown"
