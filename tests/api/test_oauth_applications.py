"""OAuth applications: create, list, get, update, delete, logo upload and client secret rotation
(their access tokens are tested in test_oauth_access_tokens.py)."""

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import Image, OAuthAccessToken, OAuthApplication
from locum.instances.service import InstanceKeys
from locum.kit.keys import secret_digest
from tests.builders import (
    clerk_error,
    error_of,
    inspection_session,
    issue_oauth_access_token,
    make_oauth_application,
    make_user,
    png_bytes,
)
from tests.conftest import TEST_ORIGIN, api_client

APPLICATION_KEYS = {
    "object",
    "id",
    "instance_id",
    "name",
    "client_id",
    "client_uri",
    "client_image_url",
    "dynamically_registered",
    "consent_screen_enabled",
    "pkce_required",
    "public",
    "scopes",
    "redirect_uris",
    "callback_url",
    "authorize_url",
    "token_fetch_url",
    "user_info_url",
    "discovery_url",
    "token_introspection_url",
    "created_at",
    "updated_at",
}
BASE62 = re.compile(r"[0-9A-Za-z]+")


async def stored_application(app: FastAPI, application_id: str) -> OAuthApplication:
    async with inspection_session(app) as session:
        row = await session.get(OAuthApplication, application_id)
        assert row is not None
        return row


def without_secret(application: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in application.items() if key != "client_secret"}


class TestCreateOAuthApplication:
    async def test_creates_a_confidential_application_with_clerks_defaults(
        self, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        application = await make_oauth_application(client, name="Partner portal")
        assert set(application) == APPLICATION_KEYS | {"client_secret"}
        assert application["object"] == "oauth_application" and application["id"].startswith("oa_")
        assert application["instance_id"] == instance.instance_id and application["name"] == "Partner portal"
        assert application["scopes"] == "profile email"
        assert application["consent_screen_enabled"] is True
        assert application["pkce_required"] is False and application["public"] is False
        assert application["dynamically_registered"] is False
        assert application["client_uri"] is None and application["client_image_url"] is None
        assert application["redirect_uris"] == [] and application["callback_url"] == ""
        assert application["created_at"] == application["updated_at"] > 1_000_000_000_000
        assert len(application["client_id"]) == 16 and BASE62.fullmatch(application["client_id"])
        assert len(application["client_secret"]) == 32 and BASE62.fullmatch(application["client_secret"])

    async def test_endpoints_are_the_instances_frontend_api(
        self, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        application = await make_oauth_application(client)
        frontend_api = f"https://{instance.frontend_api_host}"
        assert application["authorize_url"] == f"{frontend_api}/oauth/authorize"
        assert application["token_fetch_url"] == f"{frontend_api}/oauth/token"
        assert application["user_info_url"] == f"{frontend_api}/oauth/userinfo"
        assert application["discovery_url"] == f"{frontend_api}/.well-known/openid-configuration"
        assert application["token_introspection_url"] == f"{frontend_api}/oauth/token_info"

    async def test_takes_every_field(self, client: httpx.AsyncClient) -> None:
        application = await make_oauth_application(
            client,
            redirect_uris=["https://partner.example.com/callback", "http://localhost:3000/cb"],
            scopes="openid profile email public_metadata private_metadata",
            consent_screen_enabled=False,
            pkce_required=True,
        )
        assert application["redirect_uris"] == ["https://partner.example.com/callback", "http://localhost:3000/cb"]
        assert application["callback_url"] == "https://partner.example.com/callback"
        assert application["scopes"] == "openid profile email public_metadata private_metadata"
        assert application["consent_screen_enabled"] is False and application["pkce_required"] is True

    async def test_redirect_uris_may_use_any_scheme_and_are_kept_once(self, client: httpx.AsyncClient) -> None:
        uris = ["myapp://callback", "com.example.app:/oauth2redirect", "myapp://callback"]
        application = await make_oauth_application(client, redirect_uris=uris)
        assert application["redirect_uris"] == ["myapp://callback", "com.example.app:/oauth2redirect"]

    async def test_the_deprecated_callback_url_becomes_the_only_redirect_uri(self, client: httpx.AsyncClient) -> None:
        application = await make_oauth_application(client, callback_url="https://partner.example.com/oauth")
        assert application["redirect_uris"] == ["https://partner.example.com/oauth"]
        assert application["callback_url"] == "https://partner.example.com/oauth"

    async def test_redirect_uris_win_over_the_callback_url(self, client: httpx.AsyncClient) -> None:
        application = await make_oauth_application(
            client, redirect_uris=["https://a.example.com/cb"], callback_url="https://b.example.com/cb"
        )
        assert application["redirect_uris"] == ["https://a.example.com/cb"]

    async def test_scopes_are_kept_once_each_and_nulls_take_the_defaults(self, client: httpx.AsyncClient) -> None:
        repeated = await make_oauth_application(client, scopes="  email   profile email ")
        assert repeated["scopes"] == "email profile"
        nulls = await make_oauth_application(
            client, scopes=None, consent_screen_enabled=None, pkce_required=None, public=None, redirect_uris=None
        )
        assert (nulls["scopes"], nulls["consent_screen_enabled"], nulls["pkce_required"], nulls["public"]) == (
            "profile email",
            True,
            False,
            False,
        )

    async def test_a_public_client_has_no_secret(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        application = await make_oauth_application(client, public=True)
        assert application["public"] is True and application["client_secret"] == ""
        assert (await stored_application(app, application["id"])).client_secret_digest is None

    async def test_only_the_secrets_digest_is_stored(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        application = await make_oauth_application(client)
        stored = await stored_application(app, application["id"])
        assert stored.client_secret_digest == secret_digest(application["client_secret"])
        columns = [getattr(stored, column.key) for column in OAuthApplication.__table__.columns]
        assert not any(application["client_secret"] in str(value) for value in columns)

    async def test_each_application_has_its_own_client_id_and_secret(self, client: httpx.AsyncClient) -> None:
        first, second = await make_oauth_application(client), await make_oauth_application(client)
        assert first["client_id"] != second["client_id"] and first["client_secret"] != second["client_secret"]

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({}, "form_param_missing", "name", id="no-name"),
            pytest.param({"name": ""}, "form_param_min_length_exceeded", "name", id="empty-name"),
            pytest.param({"name": "n" * 257}, "form_param_max_length_exceeded", "name", id="long-name"),
            pytest.param({"name": 7}, "form_param_type_invalid", "name", id="name-type"),
            pytest.param(
                {"name": "a", "redirect_uris": "https://a.example.com"},
                "form_param_type_invalid",
                "redirect_uris",
                id="uris-not-a-list",
            ),
            pytest.param(
                {"name": "a", "redirect_uris": ["/callback"]}, "form_param_value_invalid", "redirect_uris.0", id="rel"
            ),
            pytest.param(
                {"name": "a", "redirect_uris": ["https://"]}, "form_param_value_invalid", "redirect_uris.0", id="host"
            ),
            pytest.param(
                {"name": "a", "redirect_uris": ["https://a.example.com/cb#top"]},
                "form_param_value_invalid",
                "redirect_uris.0",
                id="fragment",
            ),
            pytest.param(
                {"name": "a", "redirect_uris": ["https://a.example.com/c b"]},
                "form_param_value_invalid",
                "redirect_uris.0",
                id="space",
            ),
            pytest.param(
                {"name": "a", "redirect_uris": ["https://a.example.com/" + "c" * 1010]},
                "form_param_max_length_exceeded",
                "redirect_uris.0",
                id="long-uri",
            ),
            pytest.param(
                {"name": "a", "redirect_uris": [f"https://a.example.com/{n}" for n in range(101)]},
                "form_param_array_size_exceeded",
                "redirect_uris",
                id="too-many-uris",
            ),
            pytest.param(
                {"name": "a", "callback_url": "not a url"}, "form_param_value_invalid", "callback_url", id="callback"
            ),
            pytest.param(
                {"name": "a", "scopes": "profile admin"}, "form_param_value_invalid", "scopes", id="unknown-scope"
            ),
            pytest.param(
                {"name": "a", "scopes": "email " * 205}, "form_param_max_length_exceeded", "scopes", id="long-scopes"
            ),
            pytest.param({"name": "a", "public": "yes"}, "form_param_type_invalid", "public", id="public-type"),
            pytest.param({"name": "a", "client_id": "mine"}, "form_param_unknown", "client_id", id="unknown-field"),
        ],
    )
    async def test_refuses_invalid_bodies(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str, param: str
    ) -> None:
        response = await client.post("/v1/oauth_applications", json=body)
        assert clerk_error(response) == (422, code, param)
        assert (await client.get("/v1/oauth_applications")).json()["total_count"] == 0


class TestListOAuthApplications:
    async def test_lists_oldest_first_with_the_total_and_no_secrets(self, client: httpx.AsyncClient) -> None:
        created = [await make_oauth_application(client, name=name) for name in ("Charlie", "alpha", "Bravo")]
        response = await client.get("/v1/oauth_applications")
        assert response.status_code == 200
        assert response.json() == {"data": [without_secret(a) for a in created], "total_count": 3}

    async def test_pages(self, client: httpx.AsyncClient) -> None:
        created = [await make_oauth_application(client, name=f"App {n}") for n in range(3)]
        page = (await client.get("/v1/oauth_applications", params={"limit": 1, "offset": 1})).json()
        assert [a["id"] for a in page["data"]] == [created[1]["id"]] and page["total_count"] == 3

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            pytest.param(["-created_at"], ["Bravo", "alpha", "Charlie"], id="newest-first"),
            pytest.param(["name"], ["Bravo", "Charlie", "alpha"], id="name"),
            pytest.param(["-name"], ["alpha", "Charlie", "Bravo"], id="name-descending"),
            pytest.param(["+created_at", "-created_at"], ["Charlie", "alpha", "Bravo"], id="first-order-by-wins"),
        ],
    )
    async def test_orders(self, client: httpx.AsyncClient, order_by: list[str], expected: list[str]) -> None:
        for name in ("Charlie", "alpha", "Bravo"):
            await make_oauth_application(client, name=name)
        response = await client.get("/v1/oauth_applications", params={"order_by": order_by})
        assert [a["name"] for a in response.json()["data"]] == expected

    async def test_name_query_matches_part_of_a_name_in_any_case_or_a_whole_client_id(
        self, client: httpx.AsyncClient
    ) -> None:
        portal = await make_oauth_application(client, name="Partner Portal")
        other = await make_oauth_application(client, name="Billing 100%")
        found = (await client.get("/v1/oauth_applications", params={"name_query": "portal"})).json()
        assert [a["id"] for a in found["data"]] == [portal["id"]] and found["total_count"] == 1
        by_client_id = (await client.get("/v1/oauth_applications", params={"name_query": other["client_id"]})).json()
        assert [a["id"] for a in by_client_id["data"]] == [other["id"]]
        part_of_client_id = other["client_id"][:8]
        assert (await client.get("/v1/oauth_applications", params={"name_query": part_of_client_id})).json()[
            "data"
        ] == []
        # LIKE wildcards are searched for, not expanded.
        percent = (await client.get("/v1/oauth_applications", params={"name_query": "0%"})).json()
        assert [a["id"] for a in percent["data"]] == [other["id"]]

    @pytest.mark.parametrize(
        ("params", "param"),
        [
            pytest.param({"order_by": "client_secret"}, "order_by", id="order-by"),
            pytest.param({"limit": 0}, "limit", id="limit-zero"),
            pytest.param({"limit": 501}, "limit", id="limit-high"),
            pytest.param({"offset": -1}, "offset", id="offset"),
        ],
    )
    async def test_refuses_invalid_queries(self, client: httpx.AsyncClient, params: dict[str, Any], param: str) -> None:
        response = await client.get("/v1/oauth_applications", params=params)
        assert (response.status_code, error_of(response)["meta"]["param_name"]) == (422, param)

    async def test_another_instance_lists_none_of_them(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await make_oauth_application(client)
        assert (await other_client.get("/v1/oauth_applications")).json() == {"data": [], "total_count": 0}


class TestGetOAuthApplication:
    async def test_returns_the_application_without_its_secret(self, client: httpx.AsyncClient) -> None:
        application = await make_oauth_application(client, redirect_uris=["https://a.example.com/cb"])
        response = await client.get(f"/v1/oauth_applications/{application['id']}")
        assert response.status_code == 200 and response.json() == without_secret(application)

    async def test_unknown_or_of_another_instance_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        application = await make_oauth_application(client)
        for response in (
            await client.get("/v1/oauth_applications/oa_missing"),
            await other_client.get(f"/v1/oauth_applications/{application['id']}"),
        ):
            assert clerk_error(response) == (404, "resource_not_found", None)


class TestUpdateOAuthApplication:
    async def test_changes_what_is_given_and_keeps_the_rest(self, client: httpx.AsyncClient) -> None:
        application = await make_oauth_application(client, redirect_uris=["https://a.example.com/cb"])
        response = await client.patch(
            f"/v1/oauth_applications/{application['id']}",
            json={"name": "Renamed", "scopes": "email public_metadata", "pkce_required": True, "public": None},
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert set(updated) == APPLICATION_KEYS
        assert (updated["name"], updated["scopes"], updated["pkce_required"]) == (
            "Renamed",
            "email public_metadata",
            True,
        )
        unchanged = without_secret(application) | {
            "name": "Renamed",
            "scopes": "email public_metadata",
            "pkce_required": True,
            "updated_at": updated["updated_at"],
        }
        assert updated == unchanged and updated["updated_at"] >= application["updated_at"]
        assert (await client.get(f"/v1/oauth_applications/{application['id']}")).json() == updated

    async def test_redirect_uris_replace_the_old_ones(self, client: httpx.AsyncClient) -> None:
        application = await make_oauth_application(client, redirect_uris=["https://a.example.com/cb"])
        path = f"/v1/oauth_applications/{application['id']}"
        replaced = (await client.patch(path, json={"redirect_uris": ["myapp://cb", "https://b.example.com"]})).json()
        assert replaced["redirect_uris"] == ["myapp://cb", "https://b.example.com"]
        assert replaced["callback_url"] == "myapp://cb"
        by_callback = (await client.patch(path, json={"callback_url": "https://c.example.com/cb"})).json()
        assert by_callback["redirect_uris"] == ["https://c.example.com/cb"]
        cleared = (await client.patch(path, json={"callback_url": ""})).json()
        assert (cleared["redirect_uris"], cleared["callback_url"]) == ([], "")
        await client.patch(path, json={"redirect_uris": ["myapp://cb"]})
        assert (await client.patch(path, json={"redirect_uris": []})).json()["redirect_uris"] == []

    async def test_an_empty_body_changes_nothing(self, client: httpx.AsyncClient) -> None:
        application = await make_oauth_application(client)
        response = await client.patch(f"/v1/oauth_applications/{application['id']}", json={})
        assert response.status_code == 200
        assert {**response.json(), "updated_at": 0} == {**without_secret(application), "updated_at": 0}

    async def test_making_a_client_public_drops_its_secret(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        application = await make_oauth_application(client)
        path = f"/v1/oauth_applications/{application['id']}"
        public = (await client.patch(path, json={"public": True})).json()
        assert public["public"] is True
        assert (await stored_application(app, application["id"])).client_secret_digest is None
        confidential = (await client.patch(path, json={"public": False})).json()
        assert confidential["public"] is False
        # A confidential client again, without a secret until one is rotated in.
        assert (await stored_application(app, application["id"])).client_secret_digest is None
        rotated = (await client.post(f"{path}/rotate_secret")).json()
        assert len(rotated["client_secret"]) == 32

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({"name": ""}, "form_param_min_length_exceeded", "name", id="empty-name"),
            pytest.param({"scopes": "profile superuser"}, "form_param_value_invalid", "scopes", id="scope"),
            pytest.param({"redirect_uris": ["callback"]}, "form_param_value_invalid", "redirect_uris.0", id="uri"),
            pytest.param({"consent_screen_enabled": 1}, "form_param_type_invalid", "consent_screen_enabled", id="t"),
            pytest.param({"client_secret": "mine"}, "form_param_unknown", "client_secret", id="unknown-field"),
        ],
    )
    async def test_refuses_invalid_bodies(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str, param: str
    ) -> None:
        application = await make_oauth_application(client)
        response = await client.patch(f"/v1/oauth_applications/{application['id']}", json=body)
        assert clerk_error(response) == (422, code, param)
        assert (await client.get(f"/v1/oauth_applications/{application['id']}")).json() == without_secret(application)

    async def test_unknown_or_of_another_instance_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        application = await make_oauth_application(client)
        response = await other_client.patch(f"/v1/oauth_applications/{application['id']}", json={"name": "Mine"})
        assert clerk_error(response) == (404, "resource_not_found", None)
        missing = await client.patch("/v1/oauth_applications/oa_missing", json={"name": "Mine"})
        assert clerk_error(missing) == (404, "resource_not_found", None)
        assert (await client.get(f"/v1/oauth_applications/{application['id']}")).json()["name"] == "Acme OAuth"


class TestDeleteOAuthApplication:
    async def test_deletes_the_application(self, client: httpx.AsyncClient) -> None:
        application = await make_oauth_application(client)
        response = await client.delete(f"/v1/oauth_applications/{application['id']}")
        assert response.status_code == 200
        assert response.json() == {"object": "oauth_application", "id": application["id"], "deleted": True}
        assert (await client.get(f"/v1/oauth_applications/{application['id']}")).status_code == 404
        assert (await client.delete(f"/v1/oauth_applications/{application['id']}")).status_code == 404

    async def test_deletes_its_access_tokens_and_logo(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        application = await make_oauth_application(client)
        user = await make_user(client)
        opaque = await issue_oauth_access_token(client, application["id"], user["id"])
        signed = await issue_oauth_access_token(client, application["id"], user["id"], token_format="jwt")
        logo = await client.put(
            f"/v1/oauth_applications/{application['id']}/logo", files={"file": ("a.png", png_bytes(), "image/png")}
        )
        image_id = logo.json()["client_image_url"].rsplit("/", 1)[1]
        assert (await client.delete(f"/v1/oauth_applications/{application['id']}")).status_code == 200
        async with inspection_session(app) as session:
            tokens = await session.scalars(
                select(OAuthAccessToken).where(OAuthAccessToken.application_id == application["id"])
            )
            assert tokens.all() == []
            assert await session.get(Image, image_id) is None
        for token in (opaque["access_token"], signed["access_token"]):
            verified = await client.post("/v1/oauth_applications/access_tokens/verify", json={"access_token": token})
            assert clerk_error(verified) == (404, "resource_not_found", None)

    async def test_another_instance_cannot_delete_it(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        application = await make_oauth_application(client)
        response = await other_client.delete(f"/v1/oauth_applications/{application['id']}")
        assert clerk_error(response) == (404, "resource_not_found", None)
        assert (await client.get(f"/v1/oauth_applications/{application['id']}")).status_code == 200


class TestUploadOAuthApplicationLogo:
    async def test_the_logo_becomes_the_client_image_and_replaces_the_previous_one(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        user = await make_user(client)
        application = await make_oauth_application(client)
        path = f"/v1/oauth_applications/{application['id']}/logo"
        first_content, second_content = png_bytes((1, 2, 3)), png_bytes((200, 100, 50))
        first = await client.put(
            path, files={"file": ("logo.png", first_content, "image/png")}, data={"uploader_user_id": user["id"]}
        )
        assert first.status_code == 200, first.text
        first_url = first.json()["client_image_url"]
        assert first_url.startswith(f"{TEST_ORIGIN}/locum/images/img_")
        assert first.json()["updated_at"] >= application["updated_at"]
        second = await client.put(path, files={"file": ("logo.png", second_content, "image/png")})
        second_url = second.json()["client_image_url"]
        assert (await client.get(f"/v1/oauth_applications/{application['id']}")).json()["client_image_url"] == (
            second_url
        )
        async with api_client(app, None) as anonymous:
            served = await anonymous.get(second_url)
            assert (served.status_code, served.content) == (200, second_content)
            assert (await anonymous.get(first_url)).status_code == 404

    @pytest.mark.parametrize(
        ("files", "status", "code"),
        [
            pytest.param(
                {"file": ("a.txt", b"not an image", "image/png")}, 400, "request_body_invalid", id="not-image"
            ),
            pytest.param({"other": ("a.png", png_bytes(), "image/png")}, 400, "form_param_missing", id="no-file"),
            pytest.param(
                {"file": ("a.png", b"0" * (10 * 1024 * 1024 + 1), "image/png")}, 413, "image_too_large", id="large"
            ),
        ],
    )
    async def test_bad_uploads(self, client: httpx.AsyncClient, files: dict[str, Any], status: int, code: str) -> None:
        application = await make_oauth_application(client)
        response = await client.put(f"/v1/oauth_applications/{application['id']}/logo", files=files)
        assert (response.status_code, error_of(response)["code"]) == (status, code)
        assert (await client.get(f"/v1/oauth_applications/{application['id']}")).json()["client_image_url"] is None

    async def test_unknown_or_of_another_instance_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        application = await make_oauth_application(client)
        files = {"file": ("a.png", png_bytes(), "image/png")}
        response = await other_client.put(f"/v1/oauth_applications/{application['id']}/logo", files=files)
        assert clerk_error(response) == (404, "resource_not_found", None)
        assert (await client.put("/v1/oauth_applications/oa_missing/logo", files=files)).status_code == 404


class TestRotateOAuthApplicationSecret:
    async def test_a_new_secret_replaces_the_old_one(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        application = await make_oauth_application(client)
        response = await client.post(f"/v1/oauth_applications/{application['id']}/rotate_secret")
        assert response.status_code == 200
        rotated = response.json()
        assert set(rotated) == APPLICATION_KEYS | {"client_secret"}
        assert len(rotated["client_secret"]) == 32 and rotated["client_secret"] != application["client_secret"]
        assert rotated["client_id"] == application["client_id"]
        assert rotated["updated_at"] >= application["updated_at"]
        stored = await stored_application(app, application["id"])
        assert stored.client_secret_digest == secret_digest(rotated["client_secret"])

    async def test_a_public_client_still_has_none(self, client: httpx.AsyncClient) -> None:
        application = await make_oauth_application(client, public=True)
        rotated = (await client.post(f"/v1/oauth_applications/{application['id']}/rotate_secret")).json()
        assert rotated["client_secret"] == ""

    async def test_unknown_or_of_another_instance_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        application = await make_oauth_application(client)
        response = await other_client.post(f"/v1/oauth_applications/{application['id']}/rotate_secret")
        assert clerk_error(response) == (404, "resource_not_found", None)
        assert (await client.post("/v1/oauth_applications/oa_missing/rotate_secret")).status_code == 404
        stored = await stored_application(app, application["id"])
        assert stored.client_secret_digest == secret_digest(application["client_secret"])
