"""`locum keys rotate` / `retire` against a running `locum serve`, checked with Clerk's Python SDK.

The commands run as separate processes on the server's database, as a user would run them; the
server notices the change on its own (InstanceRegistry rechecks the keys' version every second).
"""

import importlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from clerk_backend_api import Clerk
from clerk_backend_api.security import (
    TokenVerificationError,
    TokenVerificationErrorReason,
    VerifyTokenOptions,
    verify_token,
)

from tests.builders import unique_email, wait_until
from tests.cli.test_cli import dotenv, run_locum
from tests.sdk.conftest import NO_RETRIES, LocumServer, start_server, stop_server

PICKUP_DEADLINE_S = 5
# Fresh connections in a row that must all see the new key: with several workers each is a coin toss.
FRESH_CONNECTIONS = 20


def sdk_jwk_cache() -> dict[str, object]:
    """The SDK keeps each fetched JWK for 5 minutes in this module-level cache (`__jwkcache`)."""
    module = importlib.import_module("clerk_backend_api.security.verifytoken")
    cache: dict[str, object] = getattr(module, "__jwkcache").cache
    return cache


def kid_of(token: str) -> str:
    kid: str = jwt.get_unverified_header(token)["kid"]
    return kid


def verify_remotely(server: LocumServer, token: str) -> dict[str, object]:
    """verify_token fetching JWKS from locum, with the SDK's JWK cache emptied first."""
    sdk_jwk_cache().clear()
    return verify_token(token, VerifyTokenOptions(secret_key=server.secret_key, api_url=server.origin))


def remote_refusal(server: LocumServer, token: str) -> TokenVerificationErrorReason | None:
    try:
        verify_remotely(server, token)
    except TokenVerificationError as error:
        return error.reason
    return None


def verify_networkless(token: str, jwt_key: str) -> dict[str, object]:
    return verify_token(token, VerifyTokenOptions(jwt_key=jwt_key))


def printed_jwt_key(server: LocumServer) -> str:
    result = run_locum("keys", env=server.environment)
    assert result.returncode == 0, result.stderr
    return dotenv(result.stdout)["CLERK_JWT_KEY"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocumServer]:
    running = start_server(tmp_path)
    yield running
    stop_server(running)


def sdk(server: LocumServer) -> Clerk:
    return Clerk(bearer_auth=server.secret_key, server_url=server.api_url, retry_config=NO_RETRIES)


def new_session_id(clerk: Clerk) -> str:
    user = clerk.users.create(email_address=[unique_email("rotation")])
    return clerk.sessions.create(request={"user_id": user.id}).id


def first_kid(server: LocumServer) -> str:
    """The instance's first key, named by the instance id: JWKS lists it first."""
    response = httpx.get(f"{server.api_url}/jwks", headers={"Authorization": f"Bearer {server.secret_key}"})
    kid: str = response.json()["keys"][0]["kid"]
    return kid


def test_rotate_then_retire_with_a_running_server(server: LocumServer) -> None:
    with sdk(server) as clerk:
        session_id = new_session_id(clerk)
        old_token = clerk.sessions.create_token(session_id=session_id).jwt
        assert old_token is not None
        old_kid = kid_of(old_token)
        old_jwt_key = printed_jwt_key(server)

        rotated = run_locum("keys", "rotate", env=server.environment)
        assert rotated.returncode == 0, rotated.stderr
        new_kid = rotated.stdout.strip()
        assert new_kid.startswith("ins_") and new_kid != old_kid

        new_tokens: list[str] = []

        def mints_with_new_key() -> bool:
            token = clerk.sessions.create_token(session_id=session_id).jwt
            assert token is not None
            new_tokens.append(token)
            return kid_of(token) == new_kid

        wait_until(mints_with_new_key, "the server signs with the rotated key", within_s=PICKUP_DEADLINE_S)
        new_token = new_tokens[-1]

        # Both keys are in JWKS: tokens signed before the rotation still verify.
        assert verify_remotely(server, old_token)["sid"] == session_id
        assert verify_remotely(server, new_token)["sid"] == session_id

        # Networkless: CLERK_JWT_KEY follows the active key.
        new_jwt_key = printed_jwt_key(server)
        assert new_jwt_key != old_jwt_key
        assert verify_networkless(old_token, old_jwt_key)["sid"] == session_id
        assert verify_networkless(new_token, new_jwt_key)["sid"] == session_id
        with pytest.raises(TokenVerificationError) as refused:
            verify_networkless(old_token, new_jwt_key)
        assert refused.value.reason == TokenVerificationErrorReason.TOKEN_INVALID_SIGNATURE

        retired = run_locum("keys", "retire", env=server.environment)
        assert retired.returncode == 0, retired.stderr
        assert retired.stdout.split() == [old_kid]

        wait_until(
            lambda: remote_refusal(server, old_token) == TokenVerificationErrorReason.JWK_KID_MISMATCH,
            "the retired key leaves JWKS",
            within_s=PICKUP_DEADLINE_S,
        )
        assert verify_remotely(server, new_token)["sid"] == session_id
        assert printed_jwt_key(server) == new_jwt_key


def test_every_worker_picks_up_the_rotation(tmp_path: Path) -> None:
    server = start_server(tmp_path, extra_args=("--workers", "2"))
    try:
        with sdk(server) as clerk:
            session_id = new_session_id(clerk)
        headers = {"Authorization": f"Bearer {server.secret_key}"}

        def fresh_connection_kid() -> str:
            # A new connection per request, so the kernel spreads them over both workers.
            with httpx.Client(base_url=server.api_url, headers=headers) as http:
                response = http.post(f"/sessions/{session_id}/tokens")
                assert response.status_code == 200, response.text
                return kid_of(response.json()["jwt"])

        assert {fresh_connection_kid() for _ in range(FRESH_CONNECTIONS)} == {first_kid(server)}
        rotated = run_locum("keys", "rotate", env=server.environment)
        assert rotated.returncode == 0, rotated.stderr
        new_kid = rotated.stdout.strip()
        wait_until(
            lambda: {fresh_connection_kid() for _ in range(FRESH_CONNECTIONS)} == {new_kid},
            "both workers sign with the rotated key",
            within_s=PICKUP_DEADLINE_S,
        )
    finally:
        stop_server(server)
