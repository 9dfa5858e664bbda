"""Sessions, clients and session tokens through the official SDK against a real `locum serve`,
including the SDK's own token verification with the JWKS fetched from locum (api_url)."""

from typing import Any

import httpx
import jwt
import pytest
from clerk_backend_api import Clerk, models
from clerk_backend_api.security import verify_token
from clerk_backend_api.security.types import TokenVerificationError, TokenVerificationErrorReason, VerifyTokenOptions
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.sdk.conftest import LocumServer, new_user

APP_ORIGIN = "http://localhost:3000"


def frontend_credentials(server: LocumServer, session_id: str) -> dict[str, Any]:
    """What a browser holds for the session (__session, __refresh, __client), from locum's frontend endpoint."""
    response = httpx.post(
        f"{server.origin}/locum/sessions/{session_id}/frontend_credentials",
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )
    assert response.status_code == 200, response.text
    credentials: dict[str, Any] = response.json()
    return credentials


def remote_options(server: LocumServer, **options: Any) -> VerifyTokenOptions:
    return VerifyTokenOptions(secret_key=server.secret_key, api_url=server.origin, **options)


def test_session_life_cycle(clerk: Clerk) -> None:
    user = new_user(clerk)
    session = clerk.sessions.create(request={"user_id": user.id})
    assert isinstance(session, models.Session) and session.status == models.Status.ACTIVE
    assert clerk.sessions.get(session_id=session.id) == session
    listed = clerk.sessions.list(user_id=user.id, status=models.QueryParamStatus.ACTIVE, limit=5, offset=0)
    assert [s.id for s in listed] == [session.id]
    token = clerk.sessions.create_token(session_id=session.id, expires_in_seconds=120)
    assert token.object == models.CreateSessionTokenObject.TOKEN and token.jwt
    revoked = clerk.sessions.revoke(session_id=session.id)
    assert revoked.status == models.Status.REVOKED
    assert [s.id for s in clerk.sessions.list(client_id=session.client_id, status=models.QueryParamStatus.REVOKED)] == [
        session.id
    ]
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.sessions.create_token(session_id=session.id)
    assert raised.value.data.errors[0].code == "resource_not_found"


def test_clients(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    session = clerk.sessions.create(request={"user_id": user.id})
    client = clerk.clients.get(client_id=session.client_id)
    assert isinstance(client, models.Client) and client.session_ids == [session.id]
    assert session.client_id in [c.id for c in clerk.clients.list(limit=500)]
    verified = clerk.clients.verify(request={"token": frontend_credentials(server, session.id)["client_token"]})
    assert verified == client
    with pytest.raises(models.ClerkErrors):
        clerk.clients.verify(request={"token": "not-a-client-token"})


def test_refresh(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    session = clerk.sessions.create(request={"user_id": user.id})
    credentials = frontend_credentials(server, session.id)
    refreshed = clerk.sessions.refresh(
        session_id=session.id,
        expired_token=credentials["session_token"],
        refresh_token=credentials["refresh_token"],
        request_origin=APP_ORIGIN,
    )
    assert isinstance(refreshed, models.Token)
    assert verify_token(refreshed.jwt, remote_options(server, authorized_parties=[APP_ORIGIN]))["sid"] == session.id
    cookies = clerk.sessions.refresh(
        session_id=session.id,
        expired_token=refreshed.jwt,
        refresh_token=credentials["refresh_token"],
        request_origin=APP_ORIGIN,
        format_=models.Format.COOKIE,
    )
    assert isinstance(cookies, models.Cookies) and cookies.cookies[0].startswith("__session=")
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.sessions.refresh(
            session_id=session.id,
            expired_token=refreshed.jwt,
            refresh_token="not-the-refresh-token",
            request_origin=APP_ORIGIN,
        )
    assert raised.value.data.errors[0].code == "refresh_token_not_found"


def test_verify_token_fetches_the_jwks_from_locum(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    session = clerk.sessions.create(request={"user_id": user.id})
    token = clerk.sessions.create_token(session_id=session.id).jwt
    assert token is not None
    payload = verify_token(token, remote_options(server))
    assert payload["sub"] == user.id and payload["sid"] == session.id

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unknown_kid = jwt.encode(
        {"sub": user.id, "exp": 2**33}, stranger, algorithm="RS256", headers={"kid": "ins_unknown"}
    )
    with pytest.raises(TokenVerificationError) as raised:
        verify_token(unknown_kid, remote_options(server))
    assert raised.value.reason == TokenVerificationErrorReason.JWK_KID_MISMATCH

    resigned = jwt.encode({"sub": "user_forged", "exp": 2**33}, stranger, algorithm="RS256",
                          headers={"kid": jwt.get_unverified_header(token)["kid"]})  # fmt: skip
    with pytest.raises(TokenVerificationError) as raised:
        verify_token(resigned, remote_options(server))
    assert raised.value.reason == TokenVerificationErrorReason.TOKEN_INVALID_SIGNATURE
