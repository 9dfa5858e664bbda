"""Clerk's Webhooks operations through the official SDK, and the dashboard URL they return.

The server's instance is shared with the other SDK tests; only this test creates or deletes its
Svix app, and it leaves the instance without one, as it found it.
"""

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.sdk.conftest import LocumServer


def error_code(raised: pytest.ExceptionInfo[models.ClerkErrors]) -> str:
    return raised.value.data.errors[0].code


def test_svix_app_lifecycle(clerk: Clerk, server: LocumServer) -> None:
    dashboard = f"{server.origin}/locum/webhooks/dashboard?key="
    created = clerk.webhooks.create_svix_app()
    assert isinstance(created, models.SvixURL) and created.svix_url.startswith(dashboard)
    with pytest.raises(models.ClerkErrors) as exists:
        clerk.webhooks.create_svix_app()
    assert error_code(exists) == "svix_app_exists"

    endpoint = httpx.post(
        f"{server.origin}/locum/webhooks/endpoints",
        json={"url": "http://localhost:9/never", "event_types": ["user.created"]},
        headers={"Authorization": f"Bearer {server.secret_key}"},
    ).json()
    generated = clerk.webhooks.generate_svix_auth_url()
    assert isinstance(generated, models.SvixURL) and generated.svix_url.startswith(dashboard)
    # A browser opens it without the secret key.
    page = httpx.get(generated.svix_url)
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "http://localhost:9/never" in page.text and endpoint["secret"] in page.text

    assert clerk.webhooks.delete_svix_app() is None
    with pytest.raises(models.ClerkErrors) as missing:
        clerk.webhooks.delete_svix_app()
    assert error_code(missing) == "svix_app_missing"
    with pytest.raises(models.ClerkErrors) as no_url:
        clerk.webhooks.generate_svix_auth_url()
    assert error_code(no_url) == "svix_app_missing"
    assert httpx.get(generated.svix_url).status_code == 401
    endpoints = httpx.get(
        f"{server.origin}/locum/webhooks/endpoints", headers={"Authorization": f"Bearer {server.secret_key}"}
    )
    assert endpoint["id"] not in {listed["id"] for listed in endpoints.json()["data"]}
