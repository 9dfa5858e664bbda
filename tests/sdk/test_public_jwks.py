"""PyJWT's PyJWKClient, as apps outside Clerk's SDKs verify session tokens, against the public JWKS
of a `locum serve` process."""

from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.builders import unique_email
from tests.sdk.conftest import HTTP_TIMEOUT_S, LocumServer


def sign_in(server: LocumServer) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {server.secret_key}"}
    with httpx.Client(base_url=server.origin, headers=headers, timeout=HTTP_TIMEOUT_S) as http:
        user = http.post("/v1/users", json={"email_address": [unique_email("jwks")]}).json()
        ticket = http.post("/v1/sign_in_tokens", json={"user_id": user["id"]}).json()
        response = http.post("/locum/sign_in_tokens/consume", json={"token": ticket["token"]})
        assert response.status_code == 200, response.text
        credentials: dict[str, Any] = response.json()
        return credentials


def test_pyjwkclient_verifies_a_session_token_with_the_public_jwks(server: LocumServer) -> None:
    credentials = sign_in(server)
    token = credentials["session_token"]
    jwks = jwt.PyJWKClient(f"{server.origin}/.well-known/jwks.json", cache_keys=False)
    key = jwks.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"])
    assert claims["sub"] == credentials["session"]["user_id"] and claims["sid"] == credentials["session"]["id"]


def test_pyjwkclient_refuses_a_token_signed_by_another_key(server: LocumServer) -> None:
    token = sign_in(server)["session_token"]
    header = jwt.get_unverified_header(token)
    forged = jwt.encode(
        jwt.decode(token, options={"verify_signature": False}),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        algorithm="RS256",
        headers={"kid": header["kid"]},
    )
    key = jwt.PyJWKClient(f"{server.origin}/.well-known/jwks.json").get_signing_key_from_jwt(forged)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key.key, algorithms=["RS256"])
