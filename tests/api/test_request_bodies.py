"""JSON request bodies are parsed as Clerk parses them."""

import httpx

from tests.builders import unique_email


async def test_an_integer_beyond_64_bits_becomes_a_float(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/users",
        json={"email_address": [unique_email()], "public_metadata": {"n": 123456789012345678901234567890}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["public_metadata"] == {"n": 1.2345678901234568e29}


async def test_malformed_json_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/users", content=b"{bad", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "request_body_invalid"
