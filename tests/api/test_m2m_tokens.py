"""M2M tokens: minted by a machine with its own key (opaque or JWT), listed, revoked and verified,
with the machine scopes deciding who may verify what."""

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import M2MToken
from locum.kit import clock
from tests.builders import (
    clerk_error,
    error_code,
    inspection_session,
    make_m2m_token,
    make_machine,
    make_session,
    make_user,
)
from tests.conftest import api_client

TOKEN_KEYS = {
    "object", "id", "subject", "claims", "scopes", "revoked", "revocation_reason", "expired", "expiration",
    "last_used_at", "created_at", "updated_at",
}  # fmt: skip
TOKEN_ID = re.compile(r"^mt_[0-9a-f]{32}$")
MISSING_MACHINE = "mch_" + "0" * 27
MISSING_TOKEN_ID = "mt_" + "0" * 32


@asynccontextmanager
async def as_machine(app: FastAPI, machine: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    """A client authenticating with `machine`'s secret key."""
    async with api_client(app, machine["secret_key"]) as http:
        yield http


async def verify(client: httpx.AsyncClient, token: str, *, path: str = "/m2m_tokens/verify") -> httpx.Response:
    return await client.post(path, json={"token": token})


async def jwt_claims(client: httpx.AsyncClient, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a JWT verified against the instance's JWKS as Clerk's Python SDK does."""
    header = jwt.get_unverified_header(token)
    keys = (await client.get("/v1/jwks")).json()["keys"]
    key = jwt.PyJWK(next(k for k in keys if k["kid"] == header["kid"])).key
    return header, jwt.decode(token, key, algorithms=["RS256"], options={"verify_iss": False})


async def stored_token(app: FastAPI, token_id: str) -> M2MToken:
    async with inspection_session(app) as session:
        row = await session.scalar(select(M2MToken).where(M2MToken.id == token_id))
    assert row is not None
    return row


class TestCreateM2MToken:
    async def test_an_opaque_token_of_the_calling_machine(
        self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        first, second = await make_machine(client, name="a"), await make_machine(client, name="b")
        machine = await make_machine(client, scoped_machines=[first["id"], second["id"]], default_token_ttl=120)
        async with as_machine(app, machine) as caller:
            response = await caller.post("/v1/m2m_tokens", json={})
        assert response.status_code == 201, response.text
        token = response.json()
        assert set(token) == TOKEN_KEYS | {"token"}
        assert TOKEN_ID.match(token["id"]) and token["token"].startswith("mt_") and token["token"] != token["id"]
        assert token["subject"] == machine["id"]
        assert token["scopes"] == sorted([first["id"], second["id"]])
        assert (token["claims"], token["revoked"], token["revocation_reason"], token["expired"]) == (
            None,
            False,
            None,
            False,
        )
        assert token["expiration"] == frozen_clock + 120_000
        assert token["created_at"] == token["updated_at"] == frozen_clock and token["last_used_at"] is None

    async def test_the_token_is_stored_digested_and_sealed(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            token = await make_m2m_token(caller)
        row = await stored_token(app, token["id"])
        assert token["token"] not in row.token_digest and token["token"].encode() not in row.sealed_token

    async def test_the_instance_secret_key_cannot_mint(self, client: httpx.AsyncClient) -> None:
        for path in ("/v1/m2m_tokens", "/m2m_tokens"):
            response = await client.post(path, json={})
            assert (response.status_code, error_code(response)) == (401, "machine_secret_key_invalid")

    async def test_an_unknown_machine_key_cannot_mint(self, app: FastAPI) -> None:
        async with api_client(app, "ak_" + "0" * 64) as stranger:
            response = await stranger.post("/m2m_tokens", json={})
        assert (response.status_code, error_code(response)) == (401, "machine_secret_key_invalid")

    async def test_seconds_until_expiration_and_claims(
        self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        machine = await make_machine(client)
        claims = {"role": "reader", "nested": {"list": [1, 2.5, None]}}
        async with as_machine(app, machine) as caller:
            token = await make_m2m_token(caller, seconds_until_expiration=90.5, claims=claims)
            listed = await make_m2m_token(caller, claims=["any", "json"])
        assert token["expiration"] == frozen_clock + 90_500 and token["claims"] == claims
        assert listed["claims"] == ["any", "json"]

    async def test_explicit_nulls_mean_not_given(
        self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        # What Clerk's JS SDK sends for a token created without options.
        machine = await make_machine(client)
        body = {"seconds_until_expiration": None, "claims": None, "token_format": "opaque"}
        async with as_machine(app, machine) as caller:
            token = await make_m2m_token(caller, **body, min_remaining_ttl_seconds=None)
        assert token["expiration"] == frozen_clock + 3_600_000 and token["claims"] is None

    async def test_scopes_are_those_at_creation(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        target = await make_machine(client)
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            before = await make_m2m_token(caller)
            await client.post(f"/v1/machines/{machine['id']}/scopes", json={"to_machine_id": target["id"]})
            after = await make_m2m_token(caller)
        assert (before["scopes"], after["scopes"]) == ([], [target["id"]])

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param(
                {"seconds_until_expiration": 0}, "form_param_value_invalid", "seconds_until_expiration", id="0s"
            ),
            pytest.param(
                {"seconds_until_expiration": -5}, "form_param_value_invalid", "seconds_until_expiration", id="negative"
            ),
            pytest.param(
                {"seconds_until_expiration": 10**30}, "form_param_value_invalid", "seconds_until_expiration", id="huge"
            ),
            pytest.param(
                {"seconds_until_expiration": "60"}, "form_param_type_invalid", "seconds_until_expiration", id="string"
            ),
            pytest.param({"token_format": "paseto"}, "form_param_value_invalid", "token_format", id="format"),
            pytest.param({"token_format": None}, "form_param_value_invalid", "token_format", id="null-format"),
            pytest.param(
                {"min_remaining_ttl_seconds": -1}, "form_param_value_invalid", "min_remaining_ttl_seconds", id="min-ttl"
            ),
            pytest.param({"subject": "mch_x"}, "form_param_unknown", "subject", id="unknown-field"),
        ],
    )
    async def test_invalid_bodies_are_400(
        self, app: FastAPI, client: httpx.AsyncClient, body: dict[str, Any], code: str, param: str
    ) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            response = await caller.post("/v1/m2m_tokens", json=body)
        assert clerk_error(response) == (400, code, param)

    @pytest.mark.parametrize("token_format", ["opaque", "jwt"])
    async def test_reserved_claims_are_refused(
        self, app: FastAPI, client: httpx.AsyncClient, token_format: str
    ) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            for claim in ("sub", "exp", "scopes", "aud", "jti"):
                body = {"token_format": token_format, "claims": {claim: "x", "fine": 1}}
                response = await caller.post("/v1/m2m_tokens", json=body)
                assert clerk_error(response) == (400, "machine_token_reserved_claim", "claims")

    async def test_min_remaining_ttl_returns_a_live_token_with_the_same_claims_and_scopes(
        self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        target = await make_machine(client)
        machine = await make_machine(client, scoped_machines=[target["id"]], default_token_ttl=300)
        async with as_machine(app, machine) as caller:
            first = await make_m2m_token(caller, claims={"a": 1})
            clock.freeze(frozen_clock + 100_000)
            reused = await make_m2m_token(caller, claims={"a": 1}, min_remaining_ttl_seconds=200)
            other_claims = await make_m2m_token(caller, claims={"a": 2}, min_remaining_ttl_seconds=200)
            clock.freeze(frozen_clock + 100_001)
            too_short = await make_m2m_token(caller, claims={"a": 1}, min_remaining_ttl_seconds=200)
            await client.delete(f"/v1/machines/{machine['id']}/scopes/{target['id']}")
            other_scopes = await make_m2m_token(caller, claims={"a": 1}, min_remaining_ttl_seconds=100)
        assert reused == first
        assert len({first["id"], other_claims["id"], too_short["id"], other_scopes["id"]}) == 4

    async def test_min_remaining_ttl_skips_revoked_tokens(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            first = await make_m2m_token(caller)
            await caller.post(f"/m2m_tokens/{first['id']}/revoke", json={})
            second = await make_m2m_token(caller, min_remaining_ttl_seconds=10)
        assert second["id"] != first["id"]

    async def test_min_remaining_ttl_must_be_less_than_the_lifetime(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        machine = await make_machine(client, default_token_ttl=60)
        async with as_machine(app, machine) as caller:
            for body in (
                {"min_remaining_ttl_seconds": 60},
                {"seconds_until_expiration": 30, "min_remaining_ttl_seconds": 30},
            ):
                response = await caller.post("/v1/m2m_tokens", json=body)
                assert clerk_error(response) == (400, "form_param_value_invalid", "min_remaining_ttl_seconds")

    async def test_a_jwt_token_signed_with_the_instance_key(
        self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        target = await make_machine(client)
        machine = await make_machine(client, scoped_machines=[target["id"]])
        async with as_machine(app, machine) as caller:
            response = await caller.post(
                "/m2m_tokens", json={"token_format": "jwt", "claims": {"tier": "gold"}, "seconds_until_expiration": 600}
            )
        assert response.status_code == 201, response.text
        created = response.json()
        header, claims = await jwt_claims(client, created["token"])
        assert header == {"alg": "RS256", "kid": header["kid"], "typ": "JWT", "cat": "cl_B7d4PD333AAA"}
        # `exp` is rounded up: the token lives at least the 600 seconds asked for.
        issued_at, expires_at = frozen_clock // 1000, -(-(frozen_clock + 600_000) // 1000)
        assert claims == {
            "iss": claims["iss"],
            "sub": machine["id"],
            "jti": created["id"],
            "iat": issued_at,
            "nbf": issued_at,
            "exp": expires_at,
            "scopes": target["id"],
            "tier": "gold",
        }
        assert claims["iss"].startswith("https://") and "aud" not in claims
        assert TOKEN_ID.match(created["id"]) and created["scopes"] == [target["id"]]
        assert created["claims"] == {"tier": "gold"} and created["expiration"] == expires_at * 1000
        # Not stored: only opaque tokens are listed.
        listed = await client.get("/m2m_tokens", params={"subject": machine["id"]})
        assert listed.json()["total_count"] == 0

    async def test_jwt_claims_must_be_an_object(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            response = await caller.post("/m2m_tokens", json={"token_format": "jwt", "claims": ["a"]})
        assert clerk_error(response) == (400, "form_param_type_invalid", "claims")


class TestGetM2MTokens:
    async def test_a_machines_live_tokens_newest_first_without_secrets(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            made = [await make_m2m_token(caller, claims={"n": i}) for i in range(3)]
        for path in ("/v1/m2m_tokens", "/m2m_tokens"):
            response = await client.get(path, params={"subject": machine["id"]})
            assert response.status_code == 200, response.text
            listed = response.json()
            assert set(listed) == {"m2m_tokens", "total_count"} and listed["total_count"] == 3
            assert [t["id"] for t in listed["m2m_tokens"]] == [t["id"] for t in reversed(made)]
            assert all(set(t) == TOKEN_KEYS for t in listed["m2m_tokens"])
            assert not any(t["token"] in response.text for t in made)

    async def test_revoked_and_expired_tokens_only_when_asked(
        self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            live = await make_m2m_token(caller)
            revoked = await make_m2m_token(caller)
            expiring = await make_m2m_token(caller, seconds_until_expiration=10)
        await client.post(f"/m2m_tokens/{revoked['id']}/revoke", json={})
        clock.freeze(frozen_clock + 10_000)

        async def listed(**params: str) -> list[str]:
            response = await client.get("/m2m_tokens", params={"subject": machine["id"], **params})
            assert response.status_code == 200, response.text
            assert response.json()["total_count"] == len(response.json()["m2m_tokens"])
            return sorted(t["id"] for t in response.json()["m2m_tokens"])

        assert await listed() == await listed(revoked="false", expired="false") == [live["id"]]
        assert await listed(revoked="true") == sorted([live["id"], revoked["id"]])
        assert await listed(expired="true") == sorted([live["id"], expiring["id"]])
        assert await listed(revoked="true", expired="true") == sorted([live["id"], revoked["id"], expiring["id"]])

    async def test_limit_and_offset(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            made = [await make_m2m_token(caller) for _ in range(3)]
        # Clerk's Python SDK sends its `number` parameters as floats.
        page = await client.get("/m2m_tokens", params={"subject": machine["id"], "limit": "1.0", "offset": "1.0"})
        assert [t["id"] for t in page.json()["m2m_tokens"]] == [made[1]["id"]] and page.json()["total_count"] == 3

    async def test_the_subject_is_a_required_machine_id(self, client: httpx.AsyncClient) -> None:
        assert clerk_error(await client.get("/m2m_tokens")) == (400, "form_param_missing", "subject")
        response = await client.get("/m2m_tokens", params={"subject": "user_123"})
        assert clerk_error(response) == (400, "form_param_value_invalid", "subject")

    @pytest.mark.parametrize(
        ("params", "code", "param"),
        [
            pytest.param({"limit": "101"}, "form_param_value_invalid", "limit", id="limit-101"),
            pytest.param({"limit": "0"}, "form_param_value_invalid", "limit", id="limit-0"),
            pytest.param({"limit": "2.5"}, "form_param_type_invalid", "limit", id="limit-fraction"),
            pytest.param({"offset": "-1"}, "form_param_value_invalid", "offset", id="offset"),
            pytest.param({"revoked": "maybe"}, "form_param_type_invalid", "revoked", id="revoked"),
        ],
    )
    async def test_invalid_parameters_are_400(
        self, client: httpx.AsyncClient, params: dict[str, str], code: str, param: str
    ) -> None:
        machine = await make_machine(client)
        response = await client.get("/m2m_tokens", params={"subject": machine["id"], **params})
        assert clerk_error(response) == (400, code, param)

    async def test_unknown_and_other_instances_machines_are_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        elsewhere = await make_machine(other_client)
        for subject in (MISSING_MACHINE, elsewhere["id"]):
            response = await client.get("/m2m_tokens", params={"subject": subject})
            assert clerk_error(response) == (404, "resource_not_found", None)

    async def test_a_machine_key_lists_only_its_own_tokens(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine, other = await make_machine(client), await make_machine(client)
        async with as_machine(app, machine) as caller:
            token = await make_m2m_token(caller)
            own = await caller.get("/m2m_tokens", params={"subject": machine["id"]})
            foreign = await caller.get("/m2m_tokens", params={"subject": other["id"]})
        assert [t["id"] for t in own.json()["m2m_tokens"]] == [token["id"]]
        assert clerk_error(foreign) == (403, "authorization_invalid", None)


class TestRevokeM2MToken:
    async def test_revoked_with_a_reason(self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            token = await make_m2m_token(caller)
        clock.freeze(frozen_clock + 5)
        response = await client.post(f"/v1/m2m_tokens/{token['id']}/revoke", json={"revocation_reason": "leaked"})
        assert response.status_code == 200, response.text
        revoked = response.json()
        assert set(revoked) == TOKEN_KEYS
        assert (revoked["revoked"], revoked["revocation_reason"], revoked["updated_at"]) == (
            True,
            "leaked",
            frozen_clock + 5,
        )
        assert clerk_error(await verify(client, token["token"])) == (404, "token_revoked", None)

    async def test_revoking_again_keeps_the_first_revocation(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            token = await make_m2m_token(caller)
        path = f"/m2m_tokens/{token['id']}/revoke"
        responses = await asyncio.gather(
            client.post(path, json={"revocation_reason": "one"}), client.post(path, json={"revocation_reason": "two"})
        )
        assert [r.status_code for r in responses] == [200, 200]
        reasons = {r.json()["revocation_reason"] for r in responses}
        assert len(reasons) == 1
        # The body is optional, and JS sends an explicit null reason.
        again = await client.post(path, json={"revocation_reason": None})
        assert again.json()["revocation_reason"] == reasons.pop()

    async def test_a_machine_key_revokes_only_its_own_tokens(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine, other = await make_machine(client), await make_machine(client)
        async with as_machine(app, machine) as caller, as_machine(app, other) as stranger:
            token = await make_m2m_token(caller)
            refused = await stranger.post(f"/m2m_tokens/{token['id']}/revoke", json={})
            assert clerk_error(refused) == (404, "resource_not_found", None)
            assert (await verify(client, token["token"])).status_code == 200
            revoked = await caller.post(f"/m2m_tokens/{token['id']}/revoke", json={})
        assert revoked.status_code == 200 and revoked.json()["revoked"] is True

    async def test_unknown_and_other_instances_tokens_are_not_found(
        self, app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        elsewhere = await make_machine(other_client)
        async with as_machine(app, elsewhere) as caller:
            token = await make_m2m_token(caller)
        for token_id in (MISSING_TOKEN_ID, token["id"], "not-an-id"):
            response = await client.post(f"/m2m_tokens/{token_id}/revoke", json={})
            assert clerk_error(response) == (404, "resource_not_found", None)
        assert (await verify(other_client, token["token"])).status_code == 200

    async def test_a_long_reason_is_400(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            token = await make_m2m_token(caller)
        response = await client.post(f"/m2m_tokens/{token['id']}/revoke", json={"revocation_reason": "x" * 256})
        assert clerk_error(response) == (400, "form_param_max_length_exceeded", "revocation_reason")


class TestVerifyM2MToken:
    async def test_the_instance_key_verifies_any_token(
        self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        target = await make_machine(client)
        machine = await make_machine(client, scoped_machines=[target["id"]])
        async with as_machine(app, machine) as caller:
            token = await make_m2m_token(caller, claims={"a": 1})
        for path in ("/v1/m2m_tokens/verify", "/m2m_tokens/verify"):
            response = await verify(client, token["token"], path=path)
            assert response.status_code == 200, response.text
            verified = response.json()
            assert set(verified) == TOKEN_KEYS
            assert verified == {key: value for key, value in token.items() if key != "token"} | {
                "last_used_at": frozen_clock
            }

    async def test_the_token_may_come_as_secret(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        # Clerk's Python SDK sends {"secret": …} to every verify endpoint.
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            token = await make_m2m_token(caller)
        response = await client.post("/m2m_tokens/verify", json={"secret": token["token"]})
        assert response.status_code == 200 and response.json()["id"] == token["id"]

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            pytest.param({}, 400, "form_param_missing", id="neither"),
            pytest.param({"token": "mt_a", "secret": "mt_a"}, 400, "form_param_unknown", id="both"),
            pytest.param({"token": 12}, 400, "form_param_type_invalid", id="number"),
            pytest.param({"token": ["mt_a"]}, 400, "form_param_type_invalid", id="list"),
            pytest.param({"token": None}, 400, "form_param_type_invalid", id="null"),
            pytest.param({"token": "mt_" + "a" * 100_000}, 400, "form_param_max_length_exceeded", id="100kB"),
            pytest.param({"token": "mt_\x00"}, 422, "form_param_format_invalid", id="nul"),
        ],
    )
    async def test_malformed_bodies_are_refused(
        self, client: httpx.AsyncClient, body: dict[str, Any], status: int, code: str
    ) -> None:
        response = await client.post("/m2m_tokens/verify", json=body)
        assert (response.status_code, error_code(response)) == (status, code)

    @pytest.mark.parametrize(
        "token",
        ["", "mt_unknown", "ak_" + "0" * 64, "a.b.c", "e30.e30.", "x" * 60_000, "mt_" + "é" * 100],
    )
    async def test_unknown_tokens_are_not_found(self, client: httpx.AsyncClient, token: str) -> None:
        assert clerk_error(await verify(client, token)) == (404, "resource_not_found", None)

    async def test_expired_tokens(self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            token = await make_m2m_token(caller, seconds_until_expiration=30)
        clock.freeze(frozen_clock + 29_999)
        assert (await verify(client, token["token"])).status_code == 200
        clock.freeze(frozen_clock + 30_000)
        assert clerk_error(await verify(client, token["token"])) == (404, "token_expired", None)

    async def test_a_machine_verifies_only_tokens_granted_to_it(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        receiver = await make_machine(client, name="receiver")
        bystander = await make_machine(client, name="bystander")
        sender = await make_machine(client, name="sender", scoped_machines=[receiver["id"]])
        async with as_machine(app, sender) as from_sender:
            token = await make_m2m_token(from_sender)
            # A token is not granted to the machine that made it.
            assert clerk_error(await verify(from_sender, token["token"])) == (404, "resource_not_found", None)
        async with as_machine(app, receiver) as at_receiver, as_machine(app, bystander) as at_bystander:
            response = await verify(at_receiver, token["token"])
            assert response.status_code == 200 and response.json()["subject"] == sender["id"]
            assert clerk_error(await verify(at_bystander, token["token"])) == (404, "resource_not_found", None)
            # Scopes grant one way: the receiver's tokens reach nobody.
            assert (await make_m2m_token(at_receiver))["scopes"] == []

    async def test_a_machine_not_in_scope_learns_nothing_of_a_revoked_token(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        bystander = await make_machine(client)
        sender = await make_machine(client)
        async with as_machine(app, sender) as from_sender:
            token = await make_m2m_token(from_sender)
        await client.post(f"/m2m_tokens/{token['id']}/revoke", json={})
        async with as_machine(app, bystander) as at_bystander:
            assert clerk_error(await verify(at_bystander, token["token"])) == (404, "resource_not_found", None)

    async def test_other_instances_tokens_are_unknown(
        self, app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            opaque = await make_m2m_token(caller)
            signed = await make_m2m_token(caller, token_format="jwt")
        for token in (opaque, signed):
            assert clerk_error(await verify(other_client, token["token"])) == (404, "resource_not_found", None)

    async def test_last_used_at_is_written_at_most_once_a_minute(
        self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            token = await make_m2m_token(caller)
        assert (await verify(client, token["token"])).json()["last_used_at"] == frozen_clock
        clock.freeze(frozen_clock + 60_000)
        assert (await verify(client, token["token"])).json()["last_used_at"] == frozen_clock
        assert (await stored_token(app, token["id"])).last_used_at == frozen_clock
        clock.freeze(frozen_clock + 60_001)
        assert (await verify(client, token["token"])).json()["last_used_at"] == frozen_clock + 60_001
        assert (await stored_token(app, token["id"])).last_used_at == frozen_clock + 60_001

    async def test_jwt_tokens_verify_like_opaque_ones(
        self, app: FastAPI, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        receiver, bystander = await make_machine(client), await make_machine(client)
        sender = await make_machine(client, scoped_machines=[receiver["id"]])
        async with as_machine(app, sender) as from_sender:
            created = await make_m2m_token(
                from_sender, token_format="jwt", claims={"k": "v"}, seconds_until_expiration=60
            )
        response = await verify(client, created["token"])
        assert response.status_code == 200, response.text
        assert response.json() == {key: value for key, value in created.items() if key != "token"}
        async with as_machine(app, receiver) as at_receiver, as_machine(app, bystander) as at_bystander:
            assert (await verify(at_receiver, created["token"])).status_code == 200
            assert clerk_error(await verify(at_bystander, created["token"])) == (404, "resource_not_found", None)
        clock.freeze(created["expiration"] - 1)
        assert (await verify(client, created["token"])).status_code == 200
        clock.freeze(created["expiration"])
        assert clerk_error(await verify(client, created["token"])) == (404, "token_expired", None)

    async def test_forged_and_foreign_jwts_are_unknown(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            created = await make_m2m_token(caller, token_format="jwt")
        head, payload, signature = created["token"].split(".")
        flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
        user = await make_user(client)
        session = await make_session(client, user["id"])
        session_token = (await client.post(f"/v1/sessions/{session['id']}/tokens")).json()["jwt"]
        for token in (f"{head}.{payload}.{flipped}", f"{head}.{payload}.", session_token):
            assert clerk_error(await verify(client, token)) == (404, "resource_not_found", None)

    async def test_a_deleted_machines_jwts_are_unknown(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        machine = await make_machine(client)
        async with as_machine(app, machine) as caller:
            created = await make_m2m_token(caller, token_format="jwt")
        await client.delete(f"/v1/machines/{machine['id']}")
        assert clerk_error(await verify(client, created["token"])) == (404, "resource_not_found", None)
