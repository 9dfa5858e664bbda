"""Tokens minted by locum, checked by the official Python SDK's own verification helpers, networkless
(`jwt_key` = the PEM public key, as CLERK_JWT_KEY gives it): accepted when sound, and refused for the
reason Clerk's SDK names when expired, tampered with, for another party, or signed by an unknown key."""

import base64
from typing import Any

import httpx
import jwt
import orjson
import pytest
from clerk_backend_api.security import authenticate_request, verify_token
from clerk_backend_api.security.types import (
    AuthenticateRequestOptions,
    AuthStatus,
    TokenVerificationError,
    TokenVerificationErrorReason,
    VerifyTokenOptions,
)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from locum.kit import clock
from tests.builders import make_member_with_permissions, make_session, make_user

APP_ORIGIN = "http://localhost:3000"


class HeaderRequest:
    def __init__(self, token: str) -> None:
        self.headers = {"Authorization": f"Bearer {token}"}


async def jwt_key(client: httpx.AsyncClient) -> str:
    """The instance's public key as PEM, the form CLERK_JWT_KEY takes."""
    (key,) = (await client.get("/v1/jwks")).json()["keys"]
    public_key = jwt.PyJWK(key).key
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


async def mint(client: httpx.AsyncClient, session_id: str, **body: Any) -> str:
    response = await client.post(f"/v1/sessions/{session_id}/tokens", json=body or None)
    assert response.status_code == 200, response.text
    token: str = response.json()["jwt"]
    return token


async def signed_in_from_origin(client: httpx.AsyncClient) -> dict[str, Any]:
    """A session started the way a browser at APP_ORIGIN starts one: through a sign-in token."""
    user = await make_user(client)
    ticket = await client.post("/v1/sign_in_tokens", json={"user_id": user["id"]})
    consumed = await client.post(
        "/locum/sign_in_tokens/consume", json={"token": ticket.json()["token"], "origin": APP_ORIGIN}
    )
    assert consumed.status_code == 200, consumed.text
    session: dict[str, Any] = consumed.json()["session"]
    return session


def refusal(token: str, options: VerifyTokenOptions) -> TokenVerificationErrorReason:
    with pytest.raises(TokenVerificationError) as raised:
        verify_token(token, options)
    return raised.value.reason


async def test_verify_token_accepts_a_fresh_token(client: httpx.AsyncClient) -> None:
    user = await make_user(client)
    session = await make_session(client, user["id"])
    payload = verify_token(await mint(client, session["id"]), VerifyTokenOptions(jwt_key=await jwt_key(client)))
    assert payload["sub"] == user["id"] and payload["sid"] == session["id"] and payload["v"] == 2


async def test_authenticate_request_reads_the_organization_claims(client: httpx.AsyncClient) -> None:
    user, organization = await make_member_with_permissions(
        client, ["org:invoices:read", "org:invoices:create", "org:reports:read"]
    )
    session = await make_session(client, user["id"], active_organization_id=organization["id"])
    token = await mint(client, session["id"])
    state = authenticate_request(HeaderRequest(token), AuthenticateRequestOptions(jwt_key=await jwt_key(client)))
    assert state.status == AuthStatus.SIGNED_IN, state.reason
    assert state.payload is not None
    assert (state.payload["org_id"], state.payload["org_slug"], state.payload["org_role"]) == (
        organization["id"],
        organization["slug"],
        "billing_admin",
    )
    assert sorted(state.payload["org_permissions"]) == [
        "org:invoices:create",
        "org:invoices:read",
        "org:reports:read",
    ]


async def test_authorized_parties(client: httpx.AsyncClient) -> None:
    session = await signed_in_from_origin(client)
    token = await mint(client, session["id"])
    key = await jwt_key(client)
    assert verify_token(token, VerifyTokenOptions(jwt_key=key, authorized_parties=[APP_ORIGIN]))["azp"] == APP_ORIGIN
    wrong_party = VerifyTokenOptions(jwt_key=key, authorized_parties=["https://elsewhere.example"])
    assert refusal(token, wrong_party) == TokenVerificationErrorReason.TOKEN_INVALID_AUTHORIZED_PARTIES
    state = authenticate_request(
        HeaderRequest(token), AuthenticateRequestOptions(jwt_key=key, authorized_parties=["https://elsewhere.example"])
    )
    assert state.status == AuthStatus.SIGNED_OUT
    assert state.reason == TokenVerificationErrorReason.TOKEN_INVALID_AUTHORIZED_PARTIES


async def test_an_expired_token_is_refused(client: httpx.AsyncClient) -> None:
    user = await make_user(client)
    session = await make_session(client, user["id"])
    clock.freeze(clock.now_ms() - 120_000)
    try:
        token = await mint(client, session["id"])
    finally:
        clock.freeze(None)
    options = VerifyTokenOptions(jwt_key=await jwt_key(client))
    assert refusal(token, options) == TokenVerificationErrorReason.TOKEN_EXPIRED
    state = authenticate_request(HeaderRequest(token), AuthenticateRequestOptions(jwt_key=options.jwt_key))
    assert state.status == AuthStatus.SIGNED_OUT and state.reason == TokenVerificationErrorReason.TOKEN_EXPIRED


async def test_a_tampered_token_is_refused(client: httpx.AsyncClient) -> None:
    user, other = await make_user(client), await make_user(client)
    session = await make_session(client, user["id"])
    header, payload, signature = (await mint(client, session["id"])).split(".")
    claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(orjson.dumps({**claims, "sub": other["id"]})).rstrip(b"=").decode()
    options = VerifyTokenOptions(jwt_key=await jwt_key(client))
    assert refusal(f"{header}.{forged}.{signature}", options) == TokenVerificationErrorReason.TOKEN_INVALID_SIGNATURE


async def test_a_token_of_another_key_is_refused(client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    user = await make_user(other_client)
    session = await make_session(other_client, user["id"])
    options = VerifyTokenOptions(jwt_key=await jwt_key(client))
    assert (
        refusal(await mint(other_client, session["id"]), options)
        == TokenVerificationErrorReason.TOKEN_INVALID_SIGNATURE
    )
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = jwt.encode({"sub": user["id"], "exp": 2**33}, stranger, algorithm="RS256", headers={"kid": "ins_unknown"})
    assert refusal(foreign, options) == TokenVerificationErrorReason.TOKEN_INVALID_SIGNATURE


async def test_an_impersonated_session_carries_the_act_claim(client: httpx.AsyncClient) -> None:
    user, admin = await make_user(client), await make_user(client)
    actor = {"sub": admin["id"], "iss": "https://dashboard.example"}
    created = await client.post("/v1/actor_tokens", json={"user_id": user["id"], "actor": actor})
    consumed = await client.post("/locum/actor_tokens/consume", json={"token": created.json()["token"]})
    assert consumed.status_code == 200, consumed.text
    session = consumed.json()["session"]
    assert session["actor"] == actor
    token = await mint(client, session["id"])
    state = authenticate_request(HeaderRequest(token), AuthenticateRequestOptions(jwt_key=await jwt_key(client)))
    assert state.status == AuthStatus.SIGNED_IN and state.payload is not None
    assert state.payload["act"] == actor and state.payload["sub"] == user["id"]
    assert (
        verify_token(consumed.json()["session_token"], VerifyTokenOptions(jwt_key=await jwt_key(client)))["act"]
        == actor
    )
