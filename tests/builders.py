"""Small builders for test data, driven through the API."""

import io
import itertools
from typing import Any

import httpx
from PIL import Image

_sequence = itertools.count(1)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}{next(_sequence)}@example.com"


async def make_user(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"email_address": [unique_email()]}
    body.update(overrides)
    response = await client.post("/v1/users", json=body)
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()
    return user


def png_bytes() -> bytes:
    """A small valid PNG image, for upload tests."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()
