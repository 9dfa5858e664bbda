"""Sessions: creation, reads, revocation, and the session tokens minted from them."""

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from locum.db.models import Instance
from locum.instances.service import InstanceKeys, create_instance
from locum.kit import clock
from locum.resources.sessions.tokens import NOT_BEFORE_SKEW_SECONDS
from tests.builders import inspection_session, make_member_with_permissions, make_session, make_user
from tests.conftest import RecordedEvents, api_client

DAY_MS = 24 * 3600 * 1000
SESSION_KEYS = {
    "object", "id", "user_id", "client_id", "actor", "status", "last_active_organization_id", "last_active_at",
    "latest_activity", "expire_at", "abandon_at", "tasks", "updated_at", "created_at",
}  # fmt: skip


async def jwks_key(client: httpx.AsyncClient, kid: str) -> object:
    keys = (await client.get("/v1/jwks")).json()["keys"]
    return jwt.PyJWK(next(key for key in keys if key["kid"] == kid)).key


async def decoded_token(client: httpx.AsyncClient, session_id: str, body: dict[str, object] | None = None) -> dict:
    response = await client.post(f"/v1/sessions/{session_id}/tokens", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["object"] == "token"
    token = response.json()["jwt"]
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "kid": header["kid"], "typ": "JWT", "cat": "cl_B7d4PD111AAA"}
    claims: dict = jwt.decode(token, await jwks_key(client, header["kid"]), algorithms=["RS256"])
    return claims


async def set_lifetimes(app: FastAPI, instance_id: str, max_lifetime: int | None, inactivity: int | None) -> None:
    async with inspection_session(app) as db:
        await db.execute(
            update(Instance)
            .where(Instance.id == instance_id)
            .values(session_max_lifetime_seconds=max_lifetime, session_inactivity_timeout_seconds=inactivity)
        )
        await db.commit()


class TestCreate:
    async def test_creates_an_active_session_on_a_new_client(
        self, client: httpx.AsyncClient, frozen_clock: int, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        session = await make_session(client, user["id"])
        assert set(session) == SESSION_KEYS
        assert session["id"].startswith("sess_") and session["client_id"].startswith("client_")
        assert session["status"] == "active" and session["user_id"] == user["id"] and session["actor"] is None
        assert session["created_at"] == session["last_active_at"] == frozen_clock
        assert session["expire_at"] == frozen_clock + 7 * DAY_MS and session["abandon_at"] == frozen_clock + 7 * DAY_MS
        owning_client = (await client.get(f"/v1/clients/{session['client_id']}")).json()
        assert owning_client["session_ids"] == [session["id"]] and owning_client["sessions"] == [session]
        assert owning_client["last_active_session_id"] == session["id"]
        refreshed_user = (await client.get(f"/v1/users/{user['id']}")).json()
        assert refreshed_user["last_sign_in_at"] == frozen_clock
        # Clerk's session events carry the user as well.
        without_tasks = {key: value for key, value in session.items() if key != "tasks"}
        assert ("session.created", {**without_tasks, "user": refreshed_user}) in await recorded_events()

    async def test_sets_the_active_organization_of_a_member(self, client: httpx.AsyncClient) -> None:
        user, organization = await make_member_with_permissions(client, [])
        session = await make_session(client, user["id"], active_organization_id=organization["id"])
        assert session["last_active_organization_id"] == organization["id"]

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            pytest.param({}, 422, "form_param_missing", id="no-user"),
            pytest.param({"user_id": "user_missing"}, 404, "resource_not_found", id="unknown-user"),
            pytest.param({"user_id": "{user}", "active_organization_id": "org_x"}, 422, "form_param_value_invalid",
                         id="not-a-member"),
            pytest.param({"user_id": "{user}", "extra": 1}, 422, "form_param_unknown", id="unknown-param"),
        ],
    )  # fmt: skip
    async def test_refuses(self, client: httpx.AsyncClient, body: dict, status: int, code: str) -> None:
        user = await make_user(client)
        body = {key: user["id"] if value == "{user}" else value for key, value in body.items()}
        response = await client.post("/v1/sessions", json=body)
        assert response.status_code == status, response.text
        assert response.json()["errors"][0]["code"] == code

    async def test_refuses_a_banned_user(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        await client.post(f"/v1/users/{user['id']}/ban")
        response = await client.post("/v1/sessions", json={"user_id": user["id"]})
        assert response.status_code == 403 and response.json()["errors"][0]["code"] == "user_banned"

    async def test_is_for_development_instances_only(self, app: FastAPI) -> None:
        async with inspection_session(app) as db:
            keys: InstanceKeys = await create_instance(db, app.state.sealer, environment_type="production")
            await db.commit()
        async with api_client(app, keys.secret_key) as production:
            user = await make_user(production)
            response = await production.post("/v1/sessions", json={"user_id": user["id"]})
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "request_invalid_for_environment"


class TestReadAndList:
    async def test_get_and_unknown(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        session = await make_session(client, user["id"])
        assert (await client.get(f"/v1/sessions/{session['id']}")).json() == session
        missing = await client.get("/v1/sessions/sess_missing")
        assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "resource_not_found"

    async def test_lists_newest_first_by_user_client_and_status(self, client: httpx.AsyncClient) -> None:
        user, other = await make_user(client), await make_user(client)
        first, second = await make_session(client, user["id"]), await make_session(client, user["id"])
        await make_session(client, other["id"])
        await client.post(f"/v1/sessions/{first['id']}/revoke")
        listed = (await client.get("/v1/sessions", params={"user_id": user["id"]})).json()
        assert [s["id"] for s in listed] == [second["id"], first["id"]]
        by_client = (await client.get("/v1/sessions", params={"client_id": first["client_id"]})).json()
        assert [s["id"] for s in by_client] == [first["id"]]
        revoked = (await client.get("/v1/sessions", params={"user_id": user["id"], "status": "revoked"})).json()
        assert [s["id"] for s in revoked] == [first["id"]]
        active = (await client.get("/v1/sessions", params={"user_id": user["id"], "status": "active"})).json()
        assert [s["id"] for s in active] == [second["id"]]

    async def test_paginates(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        ids = [(await make_session(client, user["id"]))["id"] for _ in range(3)]
        page = await client.get("/v1/sessions", params={"user_id": user["id"], "limit": 2, "offset": 1})
        assert [s["id"] for s in page.json()] == [ids[1], ids[0]]
        paginated = await client.get("/v1/sessions", params={"user_id": user["id"], "paginated": "true", "limit": 1})
        assert paginated.json()["total_count"] == 3 and [s["id"] for s in paginated.json()["data"]] == [ids[2]]

    @pytest.mark.parametrize("params", [{"status": "pending"}, {"limit": 0}, {"limit": 501}, {"offset": -1}], ids=str)
    async def test_refuses_bad_query(self, client: httpx.AsyncClient, params: dict) -> None:
        response = await client.get("/v1/sessions", params=params)
        assert response.status_code == 422, response.text


class TestRevoke:
    async def test_revokes_once(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        session = await make_session(client, user["id"])
        revoked = (await client.post(f"/v1/sessions/{session['id']}/revoke")).json()
        assert revoked["status"] == "revoked" and revoked["updated_at"] >= session["updated_at"]
        again = await client.post(f"/v1/sessions/{session['id']}/revoke")
        assert again.status_code == 200 and again.json() == revoked
        assert [t for t, _ in await recorded_events() if t == "session.revoked"] == ["session.revoked"]
        owning_client = (await client.get(f"/v1/clients/{session['client_id']}")).json()
        assert owning_client["sessions"][0]["status"] == "revoked"

    async def test_unknown(self, client: httpx.AsyncClient) -> None:
        assert (await client.post("/v1/sessions/sess_missing/revoke")).status_code == 404


class TestUserLifecycle:
    async def test_ban_revokes_every_active_session(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        sessions = [await make_session(client, user["id"]) for _ in range(2)]
        await client.post(f"/v1/users/{user['id']}/ban")
        for session in sessions:
            assert (await client.get(f"/v1/sessions/{session['id']}")).json()["status"] == "revoked"
            refused = await client.post(f"/v1/sessions/{session['id']}/tokens")
            assert refused.status_code == 404

    async def test_bulk_ban_revokes(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        session = await make_session(client, user["id"])
        await client.post("/v1/users/ban", json={"user_ids": [user["id"]]})
        assert (await client.get(f"/v1/sessions/{session['id']}")).json()["status"] == "revoked"

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("remove_password", {"sign_out_of_other_sessions": True}),
            ("password/set_compromised", {"revoke_all_sessions": True}),
        ],
    )
    async def test_password_changes_can_sign_out(self, client: httpx.AsyncClient, path: str, body: dict) -> None:
        user = await make_user(client, password="correct horse battery")
        kept, ended = await make_session(client, user["id"]), None
        assert (await client.post(f"/v1/users/{user['id']}/{path}", json={})).status_code == 200
        assert (await client.get(f"/v1/sessions/{kept['id']}")).json()["status"] == "active"
        if path == "remove_password":
            await client.patch(f"/v1/users/{user['id']}", json={"password": "another good one"})
        ended = await make_session(client, user["id"])
        assert (await client.post(f"/v1/users/{user['id']}/{path}", json=body)).status_code == 200
        for session in (kept, ended):
            assert (await client.get(f"/v1/sessions/{session['id']}")).json()["status"] == "revoked"

    async def test_password_update_can_sign_out(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        session = await make_session(client, user["id"])
        await client.patch(f"/v1/users/{user['id']}", json={"password": "first good one"})
        assert (await client.get(f"/v1/sessions/{session['id']}")).json()["status"] == "active"
        await client.patch(
            f"/v1/users/{user['id']}", json={"password": "second good one", "sign_out_of_other_sessions": True}
        )
        assert (await client.get(f"/v1/sessions/{session['id']}")).json()["status"] == "revoked"

    async def test_deleting_the_user_removes_its_sessions(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        session = await make_session(client, user["id"])
        assert (await client.delete(f"/v1/users/{user['id']}")).status_code == 200
        assert (await client.get(f"/v1/sessions/{session['id']}")).status_code == 404
        assert (await client.get("/v1/sessions", params={"user_id": user["id"]})).json() == []
        removed = [data for kind, data in await recorded_events() if kind == "session.removed"]
        assert [(data["id"], data["status"], data["user"]["id"]) for data in removed] == [
            (session["id"], "removed", user["id"])
        ]


class TestLifetimes:
    async def test_expires_at_the_maximum_lifetime(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, frozen_clock: int
    ) -> None:
        await set_lifetimes(app, instance.instance_id, max_lifetime=3600, inactivity=None)
        user = await make_user(client)
        session = await make_session(client, user["id"])
        assert session["expire_at"] == session["abandon_at"] == frozen_clock + 3_600_000
        clock.freeze(frozen_clock + 3_600_000 - 1)
        assert (await client.get(f"/v1/sessions/{session['id']}")).json()["status"] == "active"
        clock.freeze(frozen_clock + 3_600_000)
        assert (await client.get(f"/v1/sessions/{session['id']}")).json()["status"] == "expired"
        listed = await client.get("/v1/sessions", params={"user_id": user["id"], "status": "expired"})
        assert [s["id"] for s in listed.json()] == [session["id"]]
        assert (await client.get("/v1/sessions", params={"user_id": user["id"], "status": "active"})).json() == []
        assert (await client.post(f"/v1/sessions/{session['id']}/tokens")).status_code == 404
        assert (await client.post(f"/v1/sessions/{session['id']}/revoke")).json()["status"] == "expired"

    async def test_is_abandoned_after_the_inactivity_timeout(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, frozen_clock: int
    ) -> None:
        await set_lifetimes(app, instance.instance_id, max_lifetime=7 * 86400, inactivity=600)
        user = await make_user(client)
        session = await make_session(client, user["id"])
        assert session["abandon_at"] == frozen_clock + 600_000 and session["expire_at"] == frozen_clock + 7 * DAY_MS
        clock.freeze(frozen_clock + 600_000)
        assert (await client.get(f"/v1/sessions/{session['id']}")).json()["status"] == "abandoned"
        for status, expected in (("abandoned", [session["id"]]), ("expired", []), ("active", [])):
            listed = await client.get("/v1/sessions", params={"user_id": user["id"], "status": status})
            assert [s["id"] for s in listed.json()] == expected, status
        assert (await client.post(f"/v1/sessions/{session['id']}/tokens")).status_code == 404

    async def test_inactivity_alone_expires(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, frozen_clock: int
    ) -> None:
        await set_lifetimes(app, instance.instance_id, max_lifetime=None, inactivity=600)
        user = await make_user(client)
        session = await make_session(client, user["id"])
        assert session["expire_at"] == session["abandon_at"] == frozen_clock + 600_000
        clock.freeze(frozen_clock + 600_000)
        assert (await client.get(f"/v1/sessions/{session['id']}")).json()["status"] == "expired"


class TestTokens:
    async def test_claims_of_a_plain_session(self, client: httpx.AsyncClient, instance: InstanceKeys) -> None:
        user = await make_user(client)
        session = await make_session(client, user["id"])
        claims = await decoded_token(client, session["id"])
        assert set(claims) == {"exp", "fva", "iat", "iss", "jti", "nbf", "sid", "sts", "sub", "v"}
        assert claims["sub"] == user["id"] and claims["sid"] == session["id"] and claims["v"] == 2
        assert claims["sts"] == "active" and claims["fva"] == [0, -1]
        assert claims["exp"] - claims["iat"] == 60 and claims["nbf"] == claims["iat"] - NOT_BEFORE_SKEW_SECONDS
        assert claims["iss"] == f"https://{instance.frontend_api_host}"
        assert len(claims["jti"]) == 20 and claims["jti"] != (await decoded_token(client, session["id"]))["jti"]

    async def test_factor_age_in_minutes(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        clock.freeze(clock.now_ms() - 7 * 60_000 - 50_000)
        try:
            session = await make_session(client, user["id"])
        finally:
            clock.freeze(None)
        assert (await decoded_token(client, session["id"]))["fva"] == [7, -1]

    async def test_lifetime_is_honoured_within_the_spec_bounds(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        session = await make_session(client, user["id"])
        claims = await decoded_token(client, session["id"], {"expires_in_seconds": 3600})
        assert claims["exp"] - claims["iat"] == 3600
        for bad in (29, 315_360_001, "soon"):
            response = await client.post(f"/v1/sessions/{session['id']}/tokens", json={"expires_in_seconds": bad})
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["meta"] == {"param_name": "expires_in_seconds"}

    async def test_organization_claims(self, client: httpx.AsyncClient) -> None:
        user, organization = await make_member_with_permissions(
            client, ["org:invoices:read", "org:invoices:create", "org:reports:read"]
        )
        session = await make_session(client, user["id"], active_organization_id=organization["id"])
        claims = await decoded_token(client, session["id"])
        assert claims["o"] == {
            "id": organization["id"],
            "rol": "billing_admin",
            "slg": organization["slug"],
            "per": "create,read",
            "fpm": "3,2",
        }
        assert claims["fea"] == "o:invoices,o:reports"

    async def test_organization_claims_follow_the_membership(self, client: httpx.AsyncClient) -> None:
        user, organization = await make_member_with_permissions(client, [])
        session = await make_session(client, user["id"], active_organization_id=organization["id"])
        claims = await decoded_token(client, session["id"])
        assert claims["o"] == {"id": organization["id"], "rol": "billing_admin", "slg": organization["slug"],
                               "per": "", "fpm": ""}  # fmt: skip
        assert "fea" not in claims
        await client.delete(f"/v1/organizations/{organization['id']}/memberships/{user['id']}")
        assert "o" not in await decoded_token(client, session["id"])

    async def test_unknown_session(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/sessions/sess_missing/tokens")
        assert response.status_code == 404 and response.json()["errors"][0]["code"] == "resource_not_found"
