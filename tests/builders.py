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


async def make_organization(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/organizations", json={"name": "Acme", **body})
    assert response.status_code == 200, response.text
    organization: dict[str, Any] = response.json()
    return organization


def png_bytes() -> bytes:
    """A small valid PNG image, for upload tests."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


async def make_session(client: httpx.AsyncClient, user_id: str, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/sessions", json={"user_id": user_id, **overrides})
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return session


async def make_member_with_permissions(
    client: httpx.AsyncClient, permission_keys: list[str], role_key: str = "org:billing_admin"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A user who is a member of a new organization through a role holding `permission_keys`;
    returns (user, organization)."""
    permission_ids = []
    for key in permission_keys:
        created = await client.post("/v1/organization_permissions", json={"name": key, "key": key, "description": ""})
        assert created.status_code == 200, created.text
        permission_ids.append(created.json()["id"])
    role = await client.post(
        "/v1/organization_roles",
        json={"name": "Billing admin", "key": role_key, "description": "", "permissions": permission_ids},
    )
    assert role.status_code == 200, role.text
    user = await make_user(client)
    organization = await client.post("/v1/organizations", json={"name": "Acme"})
    assert organization.status_code == 200, organization.text
    membership = await client.post(
        f"/v1/organizations/{organization.json()['id']}/memberships", json={"user_id": user["id"], "role": role_key}
    )
    assert membership.status_code == 200, membership.text
    return user, organization.json()


def clerk_error(response: httpx.Response) -> tuple[int, str, str | None]:
    """(status, code, meta.param_name) of the first error in a Clerk error envelope."""
    error = response.json()["errors"][0]
    return response.status_code, error["code"], (error.get("meta") or {}).get("param_name")
