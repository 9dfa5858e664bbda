"""Clerk's Python SDK authenticates requests carrying locum's machine tokens with its own code:
`authenticate_request` with `accepts_token` signs in an opaque M2M token (`mt_…`), an M2M JWT, an
API key (`ak_…`) and an OAuth access token (`oat_…`), and signs each out once it is revoked or
expired; `verify_token` with a machine's secret key accepts only tokens granted to that machine.
(Each product's own SDK test covers `verify_token` with the instance key.)

clerk-backend-api 7.0.0's `authenticate_request` builds its verify options for machine tokens
without the API URL, so it always posts them to api.clerk.com; these tests point that one default
at locum. Everything else is the SDK's own code.
"""

import functools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from clerk_backend_api.security import authenticaterequest
from clerk_backend_api.security.types import (
    AuthenticateRequestOptions,
    AuthStatus,
    RequestState,
    TokenVerificationError,
    VerifyTokenOptions,
)

from tests.builders import unique_email
from tests.sdk.conftest import LocumServer, sdk_sockets_collected, sdk_verify

Accepting = Callable[..., AuthenticateRequestOptions]


class Locum:
    """Setup through locum's API with plain HTTP: what is under test is the SDK's verification."""

    def __init__(self, server: LocumServer) -> None:
        self.server = server

    def post(self, path: str, body: dict[str, Any], *, key: str | None = None, status: int = 200) -> Any:
        response = httpx.post(
            f"{self.server.origin}{path}",
            json=body,
            headers={"Authorization": f"Bearer {key or self.server.secret_key}"},
        )
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def machine(self, **body: Any) -> dict[str, Any]:
        return dict(self.post("/v1/machines", {"name": "verifier test", **body}))

    def m2m_token(self, machine: dict[str, Any], **body: Any) -> dict[str, Any]:
        return dict(self.post("/m2m_tokens", body, key=machine["secret_key"], status=201))

    def user_id(self) -> str:
        return str(self.post("/v1/users", {"email_address": [unique_email("verify")]})["id"])

    def api_key(self, **body: Any) -> dict[str, Any]:
        return dict(self.post("/api_keys", {"name": "verifier key", "subject": self.user_id(), **body}, status=201))

    def oauth_application(self) -> dict[str, Any]:
        return dict(self.post("/v1/oauth_applications", {"name": "verifier app", "scopes": "profile email"}))

    def oauth_token(self, application: dict[str, Any], **body: Any) -> dict[str, Any]:
        return dict(
            self.post(
                f"/locum/oauth_applications/{application['id']}/access_tokens",
                {"user_id": self.user_id(), "scopes": "profile", **body},
            )
        )


@pytest.fixture
def locum(server: LocumServer) -> Locum:
    return Locum(server)


def wait_out(seconds: int) -> None:
    """Past the expiry of a token made to live `seconds` (a JWT's `exp` has one-second resolution)."""
    time.sleep(seconds + 1.1)


def jwt_key_printed_by_locum_keys(server: LocumServer) -> str:
    """CLERK_JWT_KEY as `locum keys` prints it for the server's database."""
    printed = subprocess.run(
        [sys.executable, "-m", "locum", "keys"],
        env={**os.environ, **server.environment},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split("=", 1) for line in printed.splitlines())["CLERK_JWT_KEY"]


def authenticate(token: str, options: AuthenticateRequestOptions) -> RequestState:
    request = httpx.Request("GET", "http://app.test/", headers={"Authorization": f"Bearer {token}"})
    with sdk_sockets_collected():
        return authenticaterequest.authenticate_request(request, options)


@pytest.fixture
def accepting(server: LocumServer, monkeypatch: pytest.MonkeyPatch) -> Accepting:
    """authenticate_request options accepting the given token kinds, with the SDK's machine-token
    verification sent to the server instead of api.clerk.com."""
    monkeypatch.setattr(
        authenticaterequest, "VerifyTokenOptions", functools.partial(VerifyTokenOptions, api_url=server.origin)
    )

    def options(*kinds: str, **extra: Any) -> AuthenticateRequestOptions:
        return AuthenticateRequestOptions(secret_key=server.secret_key, accepts_token=list(kinds), **extra)

    return options


class TestAuthenticateRequestWithAnOpaqueM2MToken:
    def test_signs_it_in_until_it_is_revoked(self, locum: Locum, accepting: Accepting) -> None:
        machine = locum.machine()
        token = locum.m2m_token(machine, claims={"team": "billing"})
        state = authenticate(token["token"], accepting("m2m_token"))
        assert state.status == AuthStatus.SIGNED_IN
        assert state.payload is not None and state.payload["id"] == token["id"]
        assert (state.payload["subject"], state.payload["claims"]) == (machine["id"], {"team": "billing"})
        locum.post(f"/m2m_tokens/{token['id']}/revoke", {"revocation_reason": "rotated"})
        assert authenticate(token["token"], accepting("m2m_token")).status == AuthStatus.SIGNED_OUT

    def test_signs_it_out_once_expired(self, locum: Locum, accepting: Accepting) -> None:
        token = locum.m2m_token(locum.machine(), seconds_until_expiration=1)
        assert authenticate(token["token"], accepting("m2m_token")).status == AuthStatus.SIGNED_IN
        wait_out(1)
        assert authenticate(token["token"], accepting("m2m_token")).status == AuthStatus.SIGNED_OUT


class TestAuthenticateRequestWithAnM2MJwt:
    def test_signs_it_in_networkless_until_it_expires(
        self, locum: Locum, server: LocumServer, accepting: Accepting
    ) -> None:
        """The SDK takes any JWT for a session token, so an M2M JWT is accepted as `any`, checked
        against CLERK_JWT_KEY as an app verifying networkless would."""
        options = accepting("any", jwt_key=jwt_key_printed_by_locum_keys(server), clock_skew_in_ms=0)
        machine = locum.machine()
        token = locum.m2m_token(machine, token_format="jwt", seconds_until_expiration=1)
        state = authenticate(token["token"], options)
        assert state.status == AuthStatus.SIGNED_IN and state.payload is not None
        assert (state.payload["sub"], state.payload["jti"]) == (machine["id"], token["id"])
        wait_out(1)
        assert authenticate(token["token"], options).status == AuthStatus.SIGNED_OUT


class TestAuthenticateRequestWithAnApiKey:
    def test_signs_it_in_until_it_is_revoked(self, locum: Locum, accepting: Accepting) -> None:
        api_key = locum.api_key(scopes=["read"])
        state = authenticate(api_key["secret"], accepting("api_key"))
        assert state.status == AuthStatus.SIGNED_IN
        assert state.payload is not None and (state.payload["id"], state.payload["scopes"]) == (api_key["id"], ["read"])
        locum.post(f"/api_keys/{api_key['id']}/revoke", {"revocation_reason": "leaked"})
        assert authenticate(api_key["secret"], accepting("api_key")).status == AuthStatus.SIGNED_OUT

    def test_signs_it_out_once_expired(self, locum: Locum, accepting: Accepting) -> None:
        api_key = locum.api_key(seconds_until_expiration=1)
        assert authenticate(api_key["secret"], accepting("api_key")).status == AuthStatus.SIGNED_IN
        wait_out(1)
        assert authenticate(api_key["secret"], accepting("api_key")).status == AuthStatus.SIGNED_OUT


class TestAuthenticateRequestWithAnOAuthAccessToken:
    def test_signs_it_in_until_its_grant_is_revoked(self, locum: Locum, accepting: Accepting) -> None:
        application = locum.oauth_application()
        issued = locum.oauth_token(application)
        state = authenticate(issued["access_token"], accepting("oauth_token"))
        assert state.status == AuthStatus.SIGNED_IN
        assert state.payload is not None and state.payload["client_id"] == application["client_id"]
        locum.post(
            f"/v1/oauth_applications/{application['id']}/revoke_token", {"token": issued["access_token"]}, status=204
        )
        assert authenticate(issued["access_token"], accepting("oauth_token")).status == AuthStatus.SIGNED_OUT

    def test_signs_it_out_once_expired(self, locum: Locum, accepting: Accepting) -> None:
        issued = locum.oauth_token(locum.oauth_application(), expires_in_seconds=1)
        assert authenticate(issued["access_token"], accepting("oauth_token")).status == AuthStatus.SIGNED_IN
        wait_out(1)
        assert authenticate(issued["access_token"], accepting("oauth_token")).status == AuthStatus.SIGNED_OUT


class TestAuthenticateRequestTokenKinds:
    def test_refuses_a_machine_token_of_a_kind_it_does_not_accept(self, locum: Locum, accepting: Accepting) -> None:
        state = authenticate(locum.api_key()["secret"], accepting("m2m_token", "oauth_token"))
        assert state.status == AuthStatus.SIGNED_OUT
        assert state.reason is not None and state.reason.value[0] == "token-type-not-supported"


class TestVerifyTokenWithAMachineSecretKey:
    def test_accepts_only_tokens_granted_to_that_machine(self, locum: Locum, server: LocumServer) -> None:
        receiver, stranger = locum.machine(), locum.machine()
        sender = locum.machine(scoped_machines=[receiver["id"]])
        token = locum.m2m_token(sender)["token"]
        verified = sdk_verify(server, token, secret_key=None, machine_secret_key=receiver["secret_key"])
        assert verified["subject"] == sender["id"] and verified["scopes"] == [receiver["id"]]
        with pytest.raises(TokenVerificationError):
            sdk_verify(server, token, secret_key=None, machine_secret_key=stranger["secret_key"])
        # The sender may talk to the receiver, not the other way round.
        reply = locum.m2m_token(receiver)["token"]
        with pytest.raises(TokenVerificationError):
            sdk_verify(server, reply, secret_key=None, machine_secret_key=sender["secret_key"])
