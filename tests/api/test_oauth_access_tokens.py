"""OAuth access tokens: issued by locum's stand-in for Clerk's authorization server
(POST /locum/oauth_applications/{id}/access_tokens), verified (verifyOAuthAccessToken, with and
without /v1) and revoked (RevokeOAuthApplicationToken), opaque and JWT."""

import base64
import re
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import OAuthAccessToken
from locum.instances.service import InstanceKeys
from locum.kit import clock
from locum.kit.keys import secret_digest
from tests.builders import (
    clerk_error,
    error_of,
    inspection_session,
    issue_oauth_access_token,
    make_oauth_application,
    make_session,
    make_user,
)

VERIFY = "/v1/oauth_applications/access_tokens/verify"
VERSIONLESS_VERIFY = "/oauth_applications/access_tokens/verify"
OPAQUE_TOKEN = re.compile(r"oat_[0-9a-f]{64}")
TOKEN_ID = re.compile(r"oat_[0-9a-f]{32}")
VERIFIED_KEYS = {
    "object",
    "id",
    "client_id",
    "subject",
    "scopes",
    "revoked",
    "revocation_reason",
    "expired",
    "expiration",
    "created_at",
    "updated_at",
}
HOUR_MS = 3_600_000


@pytest.fixture
def clock_at() -> Iterator[Any]:
    """`clock_at(ms)` pins locum's clock there for the rest of the test."""
    yield clock.freeze
    clock.freeze(None)


async def grant(client: httpx.AsyncClient, **body: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(application, user, issued token) for a new application and user."""
    application = await make_oauth_application(client, scopes="profile email public_metadata")
    user = await make_user(client)
    issued = await issue_oauth_access_token(client, application["id"], user["id"], **body)
    return application, user, issued


async def verify(client: httpx.AsyncClient, token: str, *, path: str = VERIFY) -> httpx.Response:
    return await client.post(path, json={"access_token": token})


async def stored_tokens(app: FastAPI, application_id: str) -> list[OAuthAccessToken]:
    async with inspection_session(app) as session:
        rows = await session.scalars(select(OAuthAccessToken).where(OAuthAccessToken.application_id == application_id))
        return list(rows)


def b64url(document: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(document)).rstrip(b"=").decode()


class TestIssueOAuthAccessToken:
    async def test_issues_an_opaque_token_and_a_refresh_token(self, client: httpx.AsyncClient) -> None:
        _, _, issued = await grant(client)
        assert set(issued) == {"access_token", "refresh_token", "token_type", "expires_in", "scope"}
        assert OPAQUE_TOKEN.fullmatch(issued["access_token"])
        assert issued["refresh_token"] != issued["access_token"] and not issued["refresh_token"].startswith("oat_")
        assert (issued["token_type"], issued["expires_in"], issued["scope"]) == (
            "Bearer",
            3600,
            "profile email public_metadata",
        )

    async def test_stores_only_the_digests(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        application, user, issued = await grant(client, expires_in_seconds=120)
        [row] = await stored_tokens(app, application["id"])
        assert TOKEN_ID.fullmatch(row.id) and row.user_id == user["id"] and row.revoked is False
        assert row.token_digest == secret_digest(issued["access_token"])
        assert row.refresh_token_digest == secret_digest(issued["refresh_token"])
        assert row.expiration == row.created_at + 120_000
        values = [str(getattr(row, column.key)) for column in OAuthAccessToken.__table__.columns]
        secrets = (issued["access_token"], issued["refresh_token"])
        assert not any(secret in value for value in values for secret in secrets)

    @pytest.mark.parametrize(
        ("scopes", "granted"),
        [
            pytest.param(["email"], "email", id="list"),
            pytest.param("public_metadata  profile", "public_metadata profile", id="string"),
            pytest.param([], "", id="none"),
        ],
    )
    async def test_grants_the_scopes_asked_for(self, client: httpx.AsyncClient, scopes: Any, granted: str) -> None:
        _, _, issued = await grant(client, scopes=scopes)
        assert issued["scope"] == granted

    async def test_issues_a_jwt_signed_with_the_instance_key(
        self, client: httpx.AsyncClient, app: FastAPI, instance: InstanceKeys
    ) -> None:
        application, user, issued = await grant(client, token_format="jwt", scopes="email", expires_in_seconds=600)
        assert set(issued) == {"access_token", "token_type", "expires_in", "scope"}
        token = issued["access_token"]
        header = jwt.get_unverified_header(token)
        [jwk] = (await client.get("/v1/jwks")).json()["keys"]
        assert header == {"alg": "RS256", "kid": jwk["kid"], "typ": "at+jwt"}
        claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"])
        assert set(claims) == {"iss", "sub", "client_id", "scope", "jti", "iat", "nbf", "exp"}
        assert claims["iss"] == f"https://{instance.frontend_api_host}" and claims["sub"] == user["id"]
        assert claims["client_id"] == application["client_id"] and claims["scope"] == "email"
        assert TOKEN_ID.fullmatch(claims["jti"]) and claims["exp"] - claims["iat"] == 600
        assert claims["nbf"] == claims["iat"]
        assert await stored_tokens(app, application["id"]) == []

    @pytest.mark.parametrize(
        ("body", "status", "code", "param"),
        [
            pytest.param({"scopes": ["email", "private_metadata"]}, 422, "form_param_value_invalid", "scopes", id="s"),
            pytest.param({"scopes": "openid"}, 422, "form_param_value_invalid", "scopes", id="scope-string"),
            pytest.param({"user_id": "user_missing"}, 422, "form_resource_not_found", "user_id", id="user"),
            pytest.param({"user_id": None}, 422, "form_param_type_invalid", "user_id", id="user-null"),
            pytest.param({"token_format": "paseto"}, 422, "form_param_value_invalid", "token_format", id="format"),
            pytest.param({"expires_in_seconds": 0}, 422, "form_param_value_invalid", "expires_in_seconds", id="zero"),
            pytest.param(
                {"expires_in_seconds": 315_360_001}, 422, "form_param_value_invalid", "expires_in_seconds", id="long"
            ),
        ],
    )
    async def test_refuses_invalid_grants(
        self, client: httpx.AsyncClient, app: FastAPI, body: dict[str, Any], status: int, code: str, param: str
    ) -> None:
        application = await make_oauth_application(client, scopes="profile email")
        user = await make_user(client)
        response = await client.post(
            f"/locum/oauth_applications/{application['id']}/access_tokens", json={"user_id": user["id"], **body}
        )
        assert clerk_error(response) == (status, code, param)
        assert await stored_tokens(app, application["id"]) == []

    async def test_an_unknown_application_is_not_found(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.post("/locum/oauth_applications/oa_missing/access_tokens", json={"user_id": user["id"]})
        assert clerk_error(response) == (404, "resource_not_found", None)

    async def test_another_instance_cannot_issue_for_an_application_or_user_not_its_own(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        application = await make_oauth_application(client)
        user, stranger = await make_user(client), await make_user(other_client)
        theirs = await other_client.post(
            f"/locum/oauth_applications/{application['id']}/access_tokens", json={"user_id": stranger["id"]}
        )
        assert clerk_error(theirs) == (404, "resource_not_found", None)
        foreign_user = await client.post(
            f"/locum/oauth_applications/{application['id']}/access_tokens", json={"user_id": stranger["id"]}
        )
        assert clerk_error(foreign_user) == (422, "form_resource_not_found", "user_id")
        assert user["id"] != stranger["id"]


class TestVerifyOAuthAccessToken:
    async def test_a_valid_opaque_token(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        application, user, issued = await grant(client, scopes=["profile", "email"])
        response = await verify(client, issued["access_token"])
        assert response.status_code == 200, response.text
        verified = response.json()
        [row] = await stored_tokens(app, application["id"])
        assert verified == {
            "object": "clerk_idp_oauth_access_token",
            "id": row.id,
            "client_id": application["client_id"],
            "subject": user["id"],
            "scopes": ["profile", "email"],
            "revoked": False,
            "revocation_reason": None,
            "expired": False,
            "expiration": row.expiration,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }

    async def test_is_served_without_v1_too_and_takes_the_deprecated_secret(self, client: httpx.AsyncClient) -> None:
        _, _, issued = await grant(client)
        token = issued["access_token"]
        versioned = await verify(client, token)
        versionless = await verify(client, token, path=VERSIONLESS_VERIFY)
        by_secret = await client.post(VERSIONLESS_VERIFY, json={"secret": token})
        assert versioned.status_code == versionless.status_code == by_secret.status_code == 200
        assert versioned.json() == versionless.json() == by_secret.json()
        both = await client.post(VERIFY, json={"access_token": token, "secret": "oat_wrong"})
        assert both.json() == versioned.json()

    async def test_a_valid_jwt(self, client: httpx.AsyncClient) -> None:
        application, user, issued = await grant(client, token_format="jwt", scopes="email profile")
        claims = jwt.decode(issued["access_token"], options={"verify_signature": False})
        for path in (VERIFY, VERSIONLESS_VERIFY):
            response = await verify(client, issued["access_token"], path=path)
            assert response.status_code == 200, response.text
            assert response.json() == {
                "object": "clerk_idp_oauth_access_token",
                "id": claims["jti"],
                "client_id": application["client_id"],
                "subject": user["id"],
                "scopes": ["email", "profile"],
                "revoked": False,
                "revocation_reason": None,
                "expired": False,
                "expiration": claims["exp"] * 1000,
                "created_at": claims["iat"] * 1000,
                "updated_at": claims["iat"] * 1000,
            }

    async def test_a_revoked_token(self, client: httpx.AsyncClient) -> None:
        application, _, issued = await grant(client)
        revoked = await client.post(
            f"/v1/oauth_applications/{application['id']}/revoke_token", json={"token": issued["access_token"]}
        )
        assert revoked.status_code == 204
        assert clerk_error(await verify(client, issued["access_token"])) == (404, "token_revoked", None)

    async def test_an_expired_opaque_token(self, client: httpx.AsyncClient, clock_at: Any) -> None:
        start = clock.now_ms()
        clock_at(start)
        _, _, issued = await grant(client, expires_in_seconds=60)
        clock_at(start + 59_999)
        assert (await verify(client, issued["access_token"])).status_code == 200
        clock_at(start + 60_000)
        assert clerk_error(await verify(client, issued["access_token"])) == (404, "token_expired", None)

    async def test_an_expired_jwt_is_inactive(self, client: httpx.AsyncClient, clock_at: Any) -> None:
        start = clock.now_ms()
        clock_at(start)
        _, _, issued = await grant(client, token_format="jwt", expires_in_seconds=60)
        clock_at(start + 60_000)
        for path in (VERIFY, VERSIONLESS_VERIFY):
            response = await verify(client, issued["access_token"], path=path)
            assert (response.status_code, response.json()) == (200, {"active": False})

    async def test_a_jwt_not_yet_valid_is_not_found(self, client: httpx.AsyncClient, clock_at: Any) -> None:
        start = clock.now_ms()
        clock_at(start + HOUR_MS)
        _, _, issued = await grant(client, token_format="jwt")
        clock_at(start)
        assert clerk_error(await verify(client, issued["access_token"])) == (404, "resource_not_found", None)

    async def test_a_refresh_token_is_not_an_access_token(self, client: httpx.AsyncClient) -> None:
        _, _, issued = await grant(client)
        assert clerk_error(await verify(client, issued["refresh_token"])) == (404, "resource_not_found", None)

    async def test_other_jwts_are_not_found(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        session = await make_session(client, user["id"])
        session_token = (await client.post(f"/v1/sessions/{session['id']}/tokens")).json()["jwt"]
        _, _, theirs = await grant(other_client, token_format="jwt")
        _, _, ours = await grant(client, token_format="jwt")
        header, claims, signature = ours["access_token"].split(".")
        forged_claims = b64url({**jwt.decode(ours["access_token"], options={"verify_signature": False}), "sub": "x"})
        unsigned = b64url({"alg": "none", "typ": "at+jwt", "kid": jwt.get_unverified_header(ours["access_token"])})
        for token in (
            session_token,
            theirs["access_token"],
            f"{header}.{forged_claims}.{signature}",
            f"{header}.{claims}.{signature[:-4]}AAAA",
            f"{unsigned}.{claims}.",
        ):
            assert clerk_error(await verify(client, token)) == (404, "resource_not_found", None)

    @pytest.mark.parametrize(
        "token",
        [
            pytest.param("", id="empty"),
            pytest.param("oat_" + "0" * 64, id="unknown-opaque"),
            pytest.param("not-a-token", id="garbage"),
            pytest.param("a.b.c", id="three-parts"),
            pytest.param("..", id="dots"),
            pytest.param("ö.ü.ß", id="not-ascii"),
            pytest.param(b64url([]) + ".e30.c2ln", id="header-array"),
            pytest.param(b64url({"typ": "at+jwt", "kid": ["x"], "alg": "RS256"}) + ".e30.c2ln", id="kid-list"),
            pytest.param(b64url({"typ": "at+jwt", "kid": None}) + ".bm90IGpzb24.c2ln", id="claims-not-json"),
            pytest.param("x" * 65_536, id="longest-accepted"),
            pytest.param("a." * 30_000, id="many-dots"),
            pytest.param("e" * 30_000 + "." + "e" * 30_000 + ".sig", id="long-three-parts"),
        ],
    )
    async def test_malformed_tokens_are_not_found(self, client: httpx.AsyncClient, token: str) -> None:
        assert clerk_error(await verify(client, token)) == (404, "resource_not_found", None)

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({}, "form_param_missing", "access_token", id="none"),
            pytest.param({"access_token": None, "secret": None}, "form_param_missing", "access_token", id="nulls"),
            pytest.param({"access_token": 12}, "form_param_type_invalid", "access_token", id="number"),
            pytest.param({"access_token": "x" * 65_537}, "form_param_max_length_exceeded", "access_token", id="long"),
            pytest.param({"token": "oat_x"}, "form_param_unknown", "token", id="unknown-field"),
        ],
    )
    async def test_refuses_invalid_bodies(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str, param: str
    ) -> None:
        for path in (VERIFY, VERSIONLESS_VERIFY):
            assert clerk_error(await client.post(path, json=body)) == (400, code, param)

    async def test_a_body_that_is_not_json_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post(VERIFY, content=b"oat_123", headers={"content-type": "application/json"})
        assert (response.status_code, error_of(response)["code"]) == (400, "request_body_invalid")

    async def test_another_instance_cannot_verify_the_tokens(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        _, _, opaque = await grant(client)
        _, _, signed = await grant(client, token_format="jwt")
        for token in (opaque["access_token"], signed["access_token"]):
            for path in (VERIFY, VERSIONLESS_VERIFY):
                assert clerk_error(await verify(other_client, token, path=path)) == (404, "resource_not_found", None)
            assert (await verify(client, token)).status_code == 200

    async def test_rotating_the_client_secret_leaves_the_tokens_valid(self, client: httpx.AsyncClient) -> None:
        application, _, opaque = await grant(client)
        signed = await issue_oauth_access_token(
            client, application["id"], (await make_user(client))["id"], token_format="jwt"
        )
        rotated = await client.post(f"/v1/oauth_applications/{application['id']}/rotate_secret")
        assert rotated.status_code == 200
        for token in (opaque["access_token"], signed["access_token"]):
            assert (await verify(client, token)).status_code == 200

    async def test_deleting_the_user_deletes_the_grant(self, client: httpx.AsyncClient) -> None:
        _, user, issued = await grant(client)
        assert (await client.delete(f"/v1/users/{user['id']}")).status_code == 200
        assert clerk_error(await verify(client, issued["access_token"])) == (404, "resource_not_found", None)


class TestRevokeOAuthApplicationToken:
    async def test_revoking_the_access_token_revokes_the_grant(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        application, _, issued = await grant(client)
        response = await client.post(
            f"/v1/oauth_applications/{application['id']}/revoke_token", json={"token": issued["access_token"]}
        )
        assert (response.status_code, response.content) == (204, b"")
        [row] = await stored_tokens(app, application["id"])
        assert row.revoked is True and row.updated_at >= row.created_at
        assert clerk_error(await verify(client, issued["access_token"])) == (404, "token_revoked", None)

    async def test_revoking_the_refresh_token_revokes_the_access_token(self, client: httpx.AsyncClient) -> None:
        application, _, issued = await grant(client)
        other_grant = await issue_oauth_access_token(client, application["id"], (await make_user(client))["id"])
        response = await client.post(
            f"/v1/oauth_applications/{application['id']}/revoke_token", json={"token": issued["refresh_token"]}
        )
        assert response.status_code == 204
        assert clerk_error(await verify(client, issued["access_token"])) == (404, "token_revoked", None)
        assert (await verify(client, other_grant["access_token"])).status_code == 200

    async def test_revoking_twice_is_harmless(self, client: httpx.AsyncClient) -> None:
        application, _, issued = await grant(client)
        path = f"/v1/oauth_applications/{application['id']}/revoke_token"
        assert (await client.post(path, json={"token": issued["access_token"]})).status_code == 204
        assert (await client.post(path, json={"token": issued["refresh_token"]})).status_code == 204

    async def test_a_jwt_cannot_be_revoked(self, client: httpx.AsyncClient) -> None:
        application, _, issued = await grant(client, token_format="jwt")
        response = await client.post(
            f"/v1/oauth_applications/{application['id']}/revoke_token", json={"token": issued["access_token"]}
        )
        assert clerk_error(response) == (400, "jwt_access_token_not_revocable", "token")
        assert (await verify(client, issued["access_token"])).status_code == 200

    async def test_a_token_of_another_application_is_not_found(self, client: httpx.AsyncClient) -> None:
        _, _, issued = await grant(client)
        other_application = await make_oauth_application(client)
        response = await client.post(
            f"/v1/oauth_applications/{other_application['id']}/revoke_token", json={"token": issued["access_token"]}
        )
        assert clerk_error(response) == (404, "resource_not_found", None)
        assert (await verify(client, issued["access_token"])).status_code == 200

    @pytest.mark.parametrize("token", ["", "oat_" + "f" * 64, "garbage", "x" * 65_536])
    async def test_an_unknown_token_is_not_found(self, client: httpx.AsyncClient, token: str) -> None:
        application = await make_oauth_application(client)
        response = await client.post(f"/v1/oauth_applications/{application['id']}/revoke_token", json={"token": token})
        assert clerk_error(response) == (404, "resource_not_found", None)

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({}, "form_param_missing", "token", id="none"),
            pytest.param({"token": ["oat_x"]}, "form_param_type_invalid", "token", id="list"),
            pytest.param({"token": "oat_x", "reason": "x"}, "form_param_unknown", "reason", id="unknown-field"),
        ],
    )
    async def test_refuses_invalid_bodies(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str, param: str
    ) -> None:
        application = await make_oauth_application(client)
        response = await client.post(f"/v1/oauth_applications/{application['id']}/revoke_token", json=body)
        assert clerk_error(response) == (422, code, param)

    async def test_another_instance_cannot_revoke(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        application, _, issued = await grant(client)
        response = await other_client.post(
            f"/v1/oauth_applications/{application['id']}/revoke_token", json={"token": issued["access_token"]}
        )
        assert clerk_error(response) == (404, "resource_not_found", None)
        missing = await client.post("/v1/oauth_applications/oa_missing/revoke_token", json={"token": "oat_x"})
        assert clerk_error(missing) == (404, "resource_not_found", None)
        assert (await verify(client, issued["access_token"])).status_code == 200
