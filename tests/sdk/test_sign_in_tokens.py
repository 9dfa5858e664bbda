"""Sign-in tokens through the official SDK, and a sign-in through a real server whose credentials
then work with the SDK's session refresh and client verification."""

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.builders import unique_email
from tests.sdk.conftest import LocumServer

ORIGIN = "http://localhost:3000"


def consume(server: LocumServer, token: str) -> httpx.Response:
    return httpx.post(
        f"{server.origin}/locum/sign_in_tokens/consume",
        json={"token": token, "origin": ORIGIN},
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )


def test_create_consume_refresh_and_verify(clerk: Clerk, server: LocumServer) -> None:
    user = clerk.users.create(email_address=[unique_email("sdksit")])
    organization = clerk.organizations.create(request={"name": "SDK sign-in", "created_by": user.id})
    created = clerk.sign_in_tokens.create(request={"user_id": user.id, "org_id": organization.id})
    assert isinstance(created, models.SignInToken)
    assert created.status == models.SignInTokenStatus.PENDING and created.user_id == user.id
    assert created.token and created.url == f"{server.origin}/locum/sign_in_tokens/consume?token={created.token}"
    response = consume(server, created.token)
    assert response.status_code == 200, response.text
    credentials = response.json()
    session = clerk.sessions.get(session_id=credentials["session"]["id"])
    assert session.user_id == user.id and session.status == models.Status.ACTIVE and session.actor is None
    assert session.last_active_organization_id == organization.id
    refreshed = clerk.sessions.refresh(
        session_id=session.id,
        expired_token=credentials["session_token"],
        refresh_token=credentials["refresh_token"],
        request_origin=ORIGIN,
    )
    assert isinstance(refreshed, models.Token) and refreshed.jwt
    client = clerk.clients.verify(request={"token": credentials["client_token"]})
    assert client.id == session.client_id and client.last_authentication_strategy == "ticket"
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.sign_in_tokens.revoke(sign_in_token_id=created.id)
    assert raised.value.data.errors[0].code == "sign_in_token_cannot_be_revoked_code"


def test_revoke(clerk: Clerk, server: LocumServer) -> None:
    user = clerk.users.create(email_address=[unique_email("sdksit")])
    created = clerk.sign_in_tokens.create(request={"user_id": user.id, "expires_in_seconds": 60})
    revoked = clerk.sign_in_tokens.revoke(sign_in_token_id=created.id)
    assert isinstance(revoked, models.SignInToken)
    assert revoked.status == models.SignInTokenStatus.REVOKED and revoked.token is None
    assert consume(server, created.token or "").json()["errors"][0]["code"] == "ticket_invalid"
    with pytest.raises(models.ClerkErrors):
        clerk.sign_in_tokens.revoke(sign_in_token_id="sit_missing")


def test_errors_are_typed(clerk: Clerk) -> None:
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.sign_in_tokens.create(request={"user_id": "user_missing"})
    assert raised.value.data.errors[0].code == "resource_not_found"


def test_frontend_credentials_of_a_backend_session(clerk: Clerk, server: LocumServer) -> None:
    user = clerk.users.create(email_address=[unique_email("sdksit")])
    session = clerk.sessions.create(request={"user_id": user.id})
    response = httpx.post(
        f"{server.origin}/locum/sessions/{session.id}/frontend_credentials",
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )
    assert response.status_code == 200, response.text
    credentials = response.json()
    refreshed = clerk.sessions.refresh(
        session_id=session.id,
        expired_token=credentials["session_token"],
        refresh_token=credentials["refresh_token"],
        request_origin=ORIGIN,
    )
    assert isinstance(refreshed, models.Token) and refreshed.jwt
    assert clerk.clients.verify(request={"token": credentials["client_token"]}).id == session.client_id
