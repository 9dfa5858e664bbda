"""locum's Frontend API stand-ins: signing in with sign-in and actor tokens (single use, expiry,
revocation, bans), the credentials a browser holds afterwards, and the session lifetime settings."""

import asyncio
import base64
import hashlib
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from locum.instances.service import InstanceKeys
from locum.kit import clock
from locum.kit.keys import publishable_key
from tests.builders import error_code, make_user, sign_in_token
from tests.conftest import RecordedEvents, api_client, new_instance

ORIGIN = "http://localhost:3000"
SECOND_MS = 1000
HOUR_S = 3600
WEEK_S = 7 * 24 * HOUR_S
CREDENTIAL_KEYS = {
    "object",
    "session",
    "client",
    "session_token",
    "refresh_token",
    "client_token",
    "dev_browser_token",
    "cookies",
}


async def actor_token(client: httpx.AsyncClient, user_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/actor_tokens", json={"user_id": user_id, "actor": {"sub": "user_support"}, **body}
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


async def consume(client: httpx.AsyncClient, kind: str, token: str, **body: Any) -> httpx.Response:
    return await client.post(f"/locum/{kind}/consume", json={"token": token, **body})


async def signed_in(client: httpx.AsyncClient, kind: str, token: str, **body: Any) -> dict[str, Any]:
    response = await consume(client, kind, token, **body)
    assert response.status_code == 200, response.text
    credentials: dict[str, Any] = response.json()
    assert set(credentials) == CREDENTIAL_KEYS and credentials["object"] == "locum_sign_in"
    return credentials


async def claims_of(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    header = jwt.get_unverified_header(token)
    keys = (await client.get("/v1/jwks")).json()["keys"]
    key = jwt.PyJWK(next(k for k in keys if k["kid"] == header["kid"])).key
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], options={"verify_exp": False})
    return claims


class TestSignInTokenConsume:
    async def test_signs_the_user_in_on_a_new_client(
        self, client: httpx.AsyncClient, instance: InstanceKeys, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        token = await sign_in_token(client, user["id"])
        credentials = await signed_in(client, "sign_in_tokens", token["token"], origin=ORIGIN)
        session, client_document = credentials["session"], credentials["client"]
        assert session["object"] == "session" and session["status"] == "active"
        assert session["user_id"] == user["id"] and session["actor"] is None
        assert session["last_active_organization_id"] is None
        assert client_document["id"] == session["client_id"] and client_document["session_ids"] == [session["id"]]
        assert client_document["last_active_session_id"] == session["id"]
        assert client_document["last_authentication_strategy"] == "ticket"
        assert (await client.get(f"/v1/sessions/{session['id']}")).json() == session
        claims = await claims_of(client, credentials["session_token"])
        assert claims["sid"] == session["id"] and claims["sub"] == user["id"] and claims["azp"] == ORIGIN
        assert claims["iss"] == f"https://{instance.frontend_api_host}" and "act" not in claims
        assert [event for event, _ in await recorded_events()][-1] == "session.created"

    async def test_credentials_refresh_the_session_and_verify_the_client(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await sign_in_token(client, user["id"])
        credentials = await signed_in(client, "sign_in_tokens", token["token"], origin=ORIGIN)
        session_id = credentials["session"]["id"]
        refreshed = await client.post(
            f"/v1/sessions/{session_id}/refresh",
            json={
                "expired_token": credentials["session_token"],
                "refresh_token": credentials["refresh_token"],
                "request_origin": ORIGIN,
            },
        )
        assert refreshed.status_code == 200, refreshed.text
        assert (await claims_of(client, refreshed.json()["jwt"]))["sid"] == session_id
        verified = await client.post("/v1/clients/verify", json={"token": credentials["client_token"]})
        assert verified.status_code == 200, verified.text
        assert verified.json()["id"] == credentials["client"]["id"]

    async def test_activates_the_token_organization(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        organization = (await client.post("/v1/organizations", json={"name": "Acme", "created_by": user["id"]})).json()
        token = await sign_in_token(client, user["id"], org_id=organization["id"])
        credentials = await signed_in(client, "sign_in_tokens", token["token"])
        assert credentials["session"]["last_active_organization_id"] == organization["id"]
        claims = await claims_of(client, credentials["session_token"])
        assert claims["o"]["id"] == organization["id"] and claims["o"]["rol"] == "admin"
        assert "azp" not in claims

    async def test_is_single_use(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await sign_in_token(client, user["id"])
        await signed_in(client, "sign_in_tokens", token["token"])
        again = await consume(client, "sign_in_tokens", token["token"])
        assert again.status_code == 400 and error_code(again) == "ticket_invalid"
        revoke = await client.post(f"/v1/sign_in_tokens/{token['id']}/revoke")
        assert revoke.status_code == 400 and error_code(revoke) == "sign_in_token_cannot_be_revoked_code"

    async def test_concurrent_consumes_give_one_session(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await sign_in_token(client, user["id"])
        first, second = await asyncio.gather(
            consume(client, "sign_in_tokens", token["token"]), consume(client, "sign_in_tokens", token["token"])
        )
        assert sorted([first.status_code, second.status_code]) == [200, 400]
        refused = first if first.status_code == 400 else second
        assert error_code(refused) == "ticket_invalid"
        sessions = (await client.get("/v1/sessions", params={"user_id": user["id"]})).json()
        assert len(sessions) == 1

    async def test_expires(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        user = await make_user(client)
        lasting = await sign_in_token(client, user["id"], expires_in_seconds=60)
        expiring = await sign_in_token(client, user["id"], expires_in_seconds=60)
        clock.freeze(frozen_clock + 60 * SECOND_MS - 1)
        await signed_in(client, "sign_in_tokens", lasting["token"])
        clock.freeze(frozen_clock + 60 * SECOND_MS)
        expired = await consume(client, "sign_in_tokens", expiring["token"])
        assert expired.status_code == 400 and error_code(expired) == "ticket_expired"
        # Clerk's status enum has no "expired": the token still reads as pending, and can be revoked.
        revoked = await client.post(f"/v1/sign_in_tokens/{expiring['id']}/revoke")
        assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"

    async def test_lasts_thirty_days_by_default(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        user = await make_user(client)
        tokens = [await sign_in_token(client, user["id"], expires_in_seconds=None) for _ in range(2)]
        clock.freeze(frozen_clock + 2_592_000 * SECOND_MS - 1)
        await signed_in(client, "sign_in_tokens", tokens[0]["token"])
        clock.freeze(frozen_clock + 2_592_000 * SECOND_MS)
        assert error_code(await consume(client, "sign_in_tokens", tokens[1]["token"])) == "ticket_expired"

    async def test_revoked_cannot_be_consumed(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await sign_in_token(client, user["id"])
        assert (await client.post(f"/v1/sign_in_tokens/{token['id']}/revoke")).status_code == 200
        response = await consume(client, "sign_in_tokens", token["token"])
        assert response.status_code == 400 and error_code(response) == "ticket_invalid"

    async def test_banned_user_is_refused_and_the_token_stays_usable(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await sign_in_token(client, user["id"])
        assert (await client.post(f"/v1/users/{user['id']}/ban")).status_code == 200
        refused = await consume(client, "sign_in_tokens", token["token"])
        assert refused.status_code == 403 and error_code(refused) == "user_banned"
        assert (await client.post(f"/v1/users/{user['id']}/unban")).status_code == 200
        await signed_in(client, "sign_in_tokens", token["token"])

    @pytest.mark.parametrize(
        ("token", "kind"),
        [
            pytest.param("no-such-token", "sign_in_tokens", id="unknown"),
            pytest.param("{sign_in}", "actor_tokens", id="sign-in-token-as-actor-token"),
            pytest.param("{actor}", "sign_in_tokens", id="actor-token-as-sign-in-token"),
        ],
    )
    async def test_unknown_tokens_are_invalid(self, client: httpx.AsyncClient, token: str, kind: str) -> None:
        user = await make_user(client)
        secrets = {
            "{sign_in}": (await sign_in_token(client, user["id"]))["token"],
            "{actor}": (await actor_token(client, user["id"]))["token"],
        }
        response = await consume(client, kind, secrets.get(token, token))
        assert response.status_code == 400 and error_code(response) == "ticket_invalid"

    async def test_tokens_of_another_instance_are_invalid(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        for kind, token in (
            ("sign_in_tokens", await sign_in_token(client, user["id"])),
            ("actor_tokens", await actor_token(client, user["id"])),
        ):
            response = await consume(other_client, kind, token["token"])
            assert response.status_code == 400 and error_code(response) == "ticket_invalid"
            await signed_in(client, kind, token["token"])

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({}, "form_param_missing", id="no-token"),
            pytest.param({"token": "t", "origin": "localhost:3000"}, "form_param_value_invalid", id="origin-no-scheme"),
            pytest.param({"token": "t", "origin": f"{ORIGIN}/path"}, "form_param_value_invalid", id="origin-path"),
            pytest.param({"token": "t", "extra": 1}, "form_param_unknown", id="unknown-field"),
        ],
    )
    async def test_refuses_bad_bodies(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        response = await client.post("/locum/sign_in_tokens/consume", json=body)
        assert response.status_code == 422 and error_code(response) == code

    async def test_requires_the_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            for kind in ("sign_in_tokens", "actor_tokens"):
                response = await consume(anonymous, kind, "t")
                assert response.status_code == 401


class TestActorTokenConsume:
    async def test_starts_an_impersonation_session(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        user = await make_user(client)
        actor = {"sub": "user_support", "iss": "https://support.example.com", "reason": "ticket 42"}
        token = await actor_token(client, user["id"], actor=actor, session_max_duration_in_seconds=600)
        credentials = await signed_in(client, "actor_tokens", token["token"], origin=ORIGIN)
        session = credentials["session"]
        assert session["user_id"] == user["id"] and session["actor"] == actor
        assert session["expire_at"] == frozen_clock + 600 * SECOND_MS
        assert credentials["client"]["last_authentication_strategy"] == "ticket"
        claims = await claims_of(client, credentials["session_token"])
        assert claims["act"] == actor and claims["sub"] == user["id"] and claims["azp"] == ORIGIN
        clock.freeze(frozen_clock + 600 * SECOND_MS)
        assert (await client.get(f"/v1/sessions/{session['id']}")).json()["status"] == "expired"

    async def test_session_lasts_thirty_minutes_by_default(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        user = await make_user(client)
        token = await actor_token(client, user["id"])
        credentials = await signed_in(client, "actor_tokens", token["token"])
        assert credentials["session"]["expire_at"] == frozen_clock + 1800 * SECOND_MS

    async def test_is_single_use_even_concurrently(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await actor_token(client, user["id"])
        results = await asyncio.gather(*(consume(client, "actor_tokens", token["token"]) for _ in range(3)))
        assert sorted(r.status_code for r in results) == [200, 400, 400]
        assert {error_code(r) for r in results if r.status_code == 400} == {"ticket_invalid"}
        assert len((await client.get("/v1/sessions", params={"user_id": user["id"]})).json()) == 1
        revoke = await client.post(f"/v1/actor_tokens/{token['id']}/revoke")
        assert revoke.status_code == 400 and error_code(revoke) == "actor_token_cannot_be_revoked_code"

    async def test_expires_after_an_hour_by_default(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        user = await make_user(client)
        lasting, expiring = [await actor_token(client, user["id"]) for _ in range(2)]
        clock.freeze(frozen_clock + HOUR_S * SECOND_MS - 1)
        await signed_in(client, "actor_tokens", lasting["token"])
        clock.freeze(frozen_clock + HOUR_S * SECOND_MS)
        response = await consume(client, "actor_tokens", expiring["token"])
        assert response.status_code == 400 and error_code(response) == "ticket_expired"

    async def test_revoked_cannot_be_consumed(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await actor_token(client, user["id"])
        assert (await client.post(f"/v1/actor_tokens/{token['id']}/revoke")).status_code == 200
        response = await consume(client, "actor_tokens", token["token"])
        assert response.status_code == 400 and error_code(response) == "ticket_invalid"

    async def test_banned_user_is_refused(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await actor_token(client, user["id"])
        assert (await client.post(f"/v1/users/{user['id']}/ban")).status_code == 200
        response = await consume(client, "actor_tokens", token["token"])
        assert response.status_code == 403 and error_code(response) == "user_banned"


class TestFrontendCredentials:
    async def test_of_a_session_created_through_the_backend_api(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        session = (await client.post("/v1/sessions", json={"user_id": user["id"]})).json()
        response = await client.post(f"/locum/sessions/{session['id']}/frontend_credentials")
        assert response.status_code == 200, response.text
        credentials = response.json()
        assert set(credentials) == CREDENTIAL_KEYS and credentials["object"] == "locum_sign_in"
        assert credentials["session"] == session
        assert credentials["client"] == (await client.get(f"/v1/clients/{session['client_id']}")).json()
        claims = await claims_of(client, credentials["session_token"])
        assert claims["sid"] == session["id"] and "azp" not in claims
        refreshed = await client.post(
            f"/v1/sessions/{session['id']}/refresh",
            json={
                "expired_token": credentials["session_token"],
                "refresh_token": credentials["refresh_token"],
                "request_origin": ORIGIN,
            },
        )
        assert refreshed.status_code == 200, refreshed.text
        verified = await client.post("/v1/clients/verify", json={"token": credentials["client_token"]})
        assert verified.status_code == 200 and verified.json()["id"] == session["client_id"]

    async def test_refresh_and_client_tokens_stay_the_same(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        token = await sign_in_token(client, user["id"])
        signed = await signed_in(client, "sign_in_tokens", token["token"], origin=ORIGIN)
        again = (await client.post(f"/locum/sessions/{signed['session']['id']}/frontend_credentials")).json()
        assert again["refresh_token"] == signed["refresh_token"]
        assert again["client_token"] == signed["client_token"]
        assert (await claims_of(client, again["session_token"]))["azp"] == ORIGIN

    async def test_only_for_active_sessions_of_the_instance(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        session = (await client.post("/v1/sessions", json={"user_id": user["id"]})).json()
        path = f"/locum/sessions/{session['id']}/frontend_credentials"
        other = await other_client.post(path)
        assert other.status_code == 404 and error_code(other) == "resource_not_found"
        assert (await client.post(f"/v1/sessions/{session['id']}/revoke")).status_code == 200
        revoked = await client.post(path)
        assert revoked.status_code == 404 and error_code(revoked) == "resource_not_found"
        unknown = await client.post("/locum/sessions/sess_missing/frontend_credentials")
        assert unknown.status_code == 404


def clerk_cookie_suffix(publishable_key: str) -> str:
    """@clerk/shared's getCookieSuffix, written out here from its definition."""
    digest = hashlib.sha1(publishable_key.encode()).digest()
    return base64.b64encode(digest).decode().replace("+", "-").replace("/", "_")[:8]


class TestBrowserCookies:
    async def test_a_development_sign_in_comes_with_a_development_browser_token(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        credentials = await signed_in(client, "sign_in_tokens", (await sign_in_token(client, user["id"]))["token"])
        token = credentials["dev_browser_token"]
        assert isinstance(token, str) and token.startswith("dvb_") and len(token) > 20
        again = await signed_in(client, "sign_in_tokens", (await sign_in_token(client, user["id"]))["token"])
        assert again["dev_browser_token"] != token

    async def test_the_cookies_are_those_clerks_server_sdks_read_plain_and_suffixed(
        self, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        user = await make_user(client)
        credentials = await signed_in(
            client, "sign_in_tokens", (await sign_in_token(client, user["id"]))["token"], origin=ORIGIN
        )
        suffix = clerk_cookie_suffix(publishable_key(instance.environment_type, instance.frontend_api_host))
        cookies = credentials["cookies"]
        assert set(cookies) == {
            "__session",
            "__client_uat",
            "__clerk_db_jwt",
            f"__session_{suffix}",
            f"__client_uat_{suffix}",
            f"__clerk_db_jwt_{suffix}",
            f"__refresh_{suffix}",
        }
        assert cookies["__session"] == cookies[f"__session_{suffix}"] == credentials["session_token"]
        assert cookies["__clerk_db_jwt"] == cookies[f"__clerk_db_jwt_{suffix}"] == credentials["dev_browser_token"]
        assert cookies[f"__refresh_{suffix}"] == credentials["refresh_token"]
        assert cookies["__client_uat"] == cookies[f"__client_uat_{suffix}"]

    async def test_client_uat_is_never_after_the_session_tokens_issue_time(self, client: httpx.AsyncClient) -> None:
        # @clerk/backend treats a session token issued before __client_uat as stale (a handshake).
        user = await make_user(client)
        credentials = await signed_in(client, "sign_in_tokens", (await sign_in_token(client, user["id"]))["token"])
        claims = await claims_of(client, credentials["session_token"])
        client_uat = int(credentials["cookies"]["__client_uat"])
        assert 0 < client_uat <= claims["iat"]
        assert client_uat == credentials["client"]["updated_at"] // 1000

    async def test_existing_sessions_credentials_carry_the_cookies_too(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        created = await client.post("/v1/sessions", json={"user_id": user["id"]})
        assert created.status_code == 200, created.text
        response = await client.post(f"/locum/sessions/{created.json()['id']}/frontend_credentials")
        assert response.status_code == 200, response.text
        credentials = response.json()
        assert credentials["dev_browser_token"].startswith("dvb_")
        assert credentials["cookies"]["__session"] == credentials["session_token"]

    async def test_a_production_instance_has_no_development_browser(self, app: FastAPI) -> None:
        keys = await new_instance(app, environment_type="production")
        async with api_client(app, keys.secret_key) as production:
            user = await make_user(production)
            token = (await sign_in_token(production, user["id"]))["token"]
            credentials = await signed_in(production, "sign_in_tokens", token)
        assert credentials["dev_browser_token"] is None
        assert not any(name.startswith("__clerk_db_jwt") for name in credentials["cookies"])
        assert credentials["cookies"]["__session"] == credentials["session_token"]


class TestSessionSettings:
    PATH = "/locum/instance/session_settings"

    async def test_defaults(self, client: httpx.AsyncClient) -> None:
        response = await client.get(self.PATH)
        assert response.status_code == 200
        assert response.json() == {
            "object": "locum_session_settings",
            "max_lifetime_seconds": WEEK_S,
            "inactivity_timeout_seconds": WEEK_S,
        }

    async def test_update_applies_to_new_sessions(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        user = await make_user(client)
        before = (await client.post("/v1/sessions", json={"user_id": user["id"]})).json()
        response = await client.patch(self.PATH, json={"max_lifetime_seconds": HOUR_S})
        assert response.status_code == 200, response.text
        assert response.json()["max_lifetime_seconds"] == HOUR_S
        assert response.json()["inactivity_timeout_seconds"] == WEEK_S
        assert (await client.get(self.PATH)).json() == response.json()
        token = await sign_in_token(client, user["id"])
        after = (await signed_in(client, "sign_in_tokens", token["token"]))["session"]
        assert after["expire_at"] == frozen_clock + HOUR_S * SECOND_MS
        assert (await client.get(f"/v1/sessions/{before['id']}")).json()["expire_at"] == before["expire_at"]
        assert (await other_client.get(self.PATH)).json()["max_lifetime_seconds"] == WEEK_S

    async def test_null_disables_one_limit(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        response = await client.patch(self.PATH, json={"inactivity_timeout_seconds": None})
        assert response.status_code == 200
        assert response.json()["inactivity_timeout_seconds"] is None
        assert response.json()["max_lifetime_seconds"] == WEEK_S
        user = await make_user(client)
        session = (await client.post("/v1/sessions", json={"user_id": user["id"]})).json()
        assert session["expire_at"] == session["abandon_at"] == frozen_clock + WEEK_S * SECOND_MS
        unchanged = await client.patch(self.PATH, json={})
        assert unchanged.status_code == 200 and unchanged.json() == response.json()

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param(
                {"max_lifetime_seconds": None, "inactivity_timeout_seconds": None},
                "form_param_value_invalid",
                id="both-disabled",
            ),
            pytest.param({"max_lifetime_seconds": 0}, "form_param_value_invalid", id="zero"),
            pytest.param({"inactivity_timeout_seconds": -5}, "form_param_value_invalid", id="negative"),
            pytest.param({"max_lifetime_seconds": "long"}, "form_param_type_invalid", id="not-a-number"),
            pytest.param({"max_lifetime_seconds": 10**12}, "form_param_value_invalid", id="too-large"),
            pytest.param({"session_lifetime": 60}, "form_param_unknown", id="unknown-field"),
        ],
    )
    async def test_refuses(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        response = await client.patch(self.PATH, json=body)
        assert response.status_code == 422 and error_code(response) == code
        assert (await client.get(self.PATH)).json()["max_lifetime_seconds"] == WEEK_S

    async def test_cannot_disable_the_last_limit(self, client: httpx.AsyncClient) -> None:
        assert (await client.patch(self.PATH, json={"max_lifetime_seconds": None})).status_code == 200
        response = await client.patch(self.PATH, json={"inactivity_timeout_seconds": None})
        assert response.status_code == 422 and error_code(response) == "form_param_value_invalid"
        assert response.json()["errors"][0]["meta"] == {"param_name": "inactivity_timeout_seconds"}
        assert (await client.get(self.PATH)).json()["inactivity_timeout_seconds"] == WEEK_S

    async def test_requires_the_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            assert (await anonymous.get(self.PATH)).status_code == 401
            assert (await anonymous.patch(self.PATH, json={"max_lifetime_seconds": 60})).status_code == 401
