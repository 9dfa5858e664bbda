"""Testing tokens: Clerk's shape, an hour of validity, nothing stored."""

import re

import httpx
from fastapi import FastAPI

from locum.kit import clock
from tests.conftest import api_client

NOW_MS = 1_800_000_123_456


async def test_has_clerks_shape_and_lasts_an_hour(client: httpx.AsyncClient) -> None:
    clock.freeze(NOW_MS)
    try:
        response = await client.post("/v1/testing_tokens")
    finally:
        clock.freeze(None)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"object", "token", "expires_at"} and body["object"] == "testing_token"
    assert re.fullmatch(r"1800000123-[0-9A-Za-z]{40}", body["token"])
    assert body["expires_at"] == 1_800_000_123 + 3600


async def test_each_token_is_new(client: httpx.AsyncClient) -> None:
    tokens = {(await client.post("/v1/testing_tokens")).json()["token"] for _ in range(3)}
    assert len(tokens) == 3


async def test_requires_the_secret_key(app: FastAPI) -> None:
    async with api_client(app, None) as anonymous:
        assert (await anonymous.post("/v1/testing_tokens")).status_code == 401
