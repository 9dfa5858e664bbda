"""API keys: create for a user, organization or machine; list, get, update, delete, reveal the secret,
revoke and verify. Every operation is served under /v1 and without it (where Clerk's SDKs call them);
bad input is a 400, as these operations declare."""

import asyncio
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import ApiKey
from locum.instances.service import InstanceKeys
from locum.kit import clock
from tests.builders import (
    clerk_error,
    error_code,
    insert_organization,
    inspection_session,
    make_api_key,
    make_machine,
    make_user,
)

API_KEY_FIELDS = {
    "object",
    "id",
    "type",
    "subject",
    "name",
    "description",
    "claims",
    "scopes",
    "revoked",
    "revocation_reason",
    "expired",
    "expiration",
    "created_by",
    "last_used_at",
    "created_at",
    "updated_at",
}
API_KEY_ID = re.compile(r"ak_[0-9a-f]{32}")
# Well-formed ids that name nothing.
MISSING_USER = "user_" + "0" * 27
MISSING_KEY = "ak_" + "0" * 32
MINUTE_MS = 60_000
# A body field a test leaves out of the request.
LEFT_OUT = object()


async def verify(client: httpx.AsyncClient, secret: Any, prefix: str = "/v1") -> httpx.Response:
    return await client.post(f"{prefix}/api_keys/verify", json={"secret": secret})


async def user_key(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """A key for a new user."""
    return await make_api_key(client, (await make_user(client))["id"], **body)


def without_secret(created: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in created.items() if name != "secret"}


class TestCreateApiKey:
    async def test_answers_201_with_the_key_and_its_secret(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.post("/v1/api_keys", json={"name": "CI key", "subject": user["id"]})
        assert response.status_code == 201
        key = response.json()
        assert set(key) == API_KEY_FIELDS | {"secret"}
        assert API_KEY_ID.fullmatch(key["id"]) and re.fullmatch(r"ak_[0-9a-f]{64}", key["secret"])
        assert key["object"] == "api_key" and key["name"] == "CI key" and key["subject"] == user["id"]
        assert key["created_at"] == key["updated_at"]

    async def test_defaults_never_expire_and_carry_nothing(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        assert key["type"] == "api_key" and key["scopes"] == [] and key["claims"] is None
        assert key["description"] is None and key["created_by"] is None and key["last_used_at"] is None
        assert key["expiration"] is None and key["expired"] is False
        assert key["revoked"] is False and key["revocation_reason"] is None

    async def test_keeps_every_given_field(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        creator = await make_user(client)
        claims = {"tier": "gold", "limits": {"rps": 10}, "tags": ["a", None]}
        key = await user_key(
            client,
            type="service_key",
            description="For the billing worker",
            claims=claims,
            scopes=["read", "write"],
            created_by=creator["id"],
            seconds_until_expiration=3600,
        )
        assert key["type"] == "service_key" and key["description"] == "For the billing worker"
        assert key["claims"] == claims and key["scopes"] == ["read", "write"] and key["created_by"] == creator["id"]
        assert key["expiration"] == frozen_clock + 3_600_000 and key["expired"] is False

    async def test_fractions_of_a_second_until_expiration_count(
        self, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        assert (await user_key(client, seconds_until_expiration=1.5))["expiration"] == frozen_clock + 1500

    async def test_claims_may_be_any_json_value(self, client: httpx.AsyncClient) -> None:
        for claims in ("plain", 42, [1, {"a": True}], {}):
            assert (await user_key(client, claims=claims))["claims"] == claims

    async def test_subjects_may_be_organizations_and_machines(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        organization = await insert_organization(app, instance.instance_id)
        machine = await make_machine(client)
        for subject in (organization["id"], machine["id"]):
            assert (await make_api_key(client, subject))["subject"] == subject

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            pytest.param("subject", MISSING_USER, id="unknown-user"),
            pytest.param("subject", "org_" + "0" * 27, id="unknown-organization"),
            pytest.param("subject", "mch_" + "0" * 27, id="unknown-machine"),
            # locum has no SCIM directories, and the spec's key never has a scim_ subject.
            pytest.param("subject", "scim_" + "0" * 27, id="scim-directory"),
            pytest.param("created_by", MISSING_USER, id="unknown-creator"),
        ],
    )
    async def test_a_subject_or_creator_that_names_nothing_is_a_form_error(
        self, client: httpx.AsyncClient, field: str, value: str
    ) -> None:
        user = await make_user(client)
        body = {"name": "key", "subject": user["id"], field: value}
        assert clerk_error(await client.post("/v1/api_keys", json=body)) == (400, "form_resource_not_found", field)

    async def test_a_creator_must_be_a_user(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        organization = await insert_organization(app, instance.instance_id)
        body = {"name": "key", "subject": user["id"], "created_by": organization["id"]}
        assert clerk_error(await client.post("/v1/api_keys", json=body))[:2] == (400, "form_param_value_invalid")

    async def test_another_instances_subject_names_nothing(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(other_client)
        response = await client.post("/v1/api_keys", json={"name": "key", "subject": user["id"]})
        assert clerk_error(response) == (400, "form_resource_not_found", "subject")

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({"name": LEFT_OUT}, "form_param_missing", "name", id="no-name"),
            pytest.param({"subject": LEFT_OUT}, "form_param_missing", "subject", id="no-subject"),
            pytest.param({"name": "ab"}, "form_param_min_length_exceeded", "name", id="name-too-short"),
            pytest.param({"name": "x" * 256}, "form_param_max_length_exceeded", "name", id="name-too-long"),
            pytest.param({"name": " padded"}, "form_param_value_invalid", "name", id="name-leading-space"),
            pytest.param({"name": "padded\n"}, "form_param_value_invalid", "name", id="name-trailing-newline"),
            pytest.param({"name": 123}, "form_param_type_invalid", "name", id="name-not-a-string"),
            pytest.param({"type": "ak"}, "form_param_min_length_exceeded", "type", id="type-too-short"),
            pytest.param({"type": "t" * 26}, "form_param_max_length_exceeded", "type", id="type-too-long"),
            pytest.param({"description": "d" * 256}, "form_param_max_length_exceeded", "description", id="desc-long"),
            pytest.param({"subject": "user_short"}, "form_param_value_invalid", "subject", id="subject-malformed"),
            pytest.param({"subject": "sess_" + "0" * 27}, "form_param_value_invalid", "subject", id="subject-kind"),
            pytest.param({"created_by": "creator"}, "form_param_value_invalid", "created_by", id="creator-malformed"),
            pytest.param({"scopes": "read"}, "form_param_type_invalid", "scopes", id="scopes-not-a-list"),
            pytest.param({"scopes": [1]}, "form_param_type_invalid", "scopes.0", id="scope-not-a-string"),
            pytest.param({"scopes": ["s" * 256]}, "form_param_max_length_exceeded", "scopes.0", id="scope-too-long"),
            pytest.param({"scopes": ["s"] * 101}, "form_param_array_size_exceeded", "scopes", id="too-many-scopes"),
            pytest.param({"scopes": None}, "form_param_type_invalid", "scopes", id="scopes-null"),
            pytest.param(
                {"claims": {"blob": "x" * 9000}}, "form_param_exceeds_allowed_size", "claims", id="claims-too-large"
            ),
            pytest.param(
                {"seconds_until_expiration": 0}, "form_param_value_invalid", "seconds_until_expiration", id="zero-ttl"
            ),
            pytest.param(
                {"seconds_until_expiration": -5}, "form_param_value_invalid", "seconds_until_expiration", id="past"
            ),
            pytest.param(
                {"seconds_until_expiration": 315_360_001},
                "form_param_value_invalid",
                "seconds_until_expiration",
                id="over-ten-years",
            ),
            pytest.param(
                {"seconds_until_expiration": 1e300},
                "form_param_value_invalid",
                "seconds_until_expiration",
                id="huge-ttl",
            ),
            pytest.param(
                {"seconds_until_expiration": "60"},
                "form_param_type_invalid",
                "seconds_until_expiration",
                id="ttl-as-text",
            ),
            pytest.param(
                {"seconds_until_expiration": True},
                "form_param_type_invalid",
                "seconds_until_expiration",
                id="ttl-boolean",
            ),
            pytest.param({"secret": "ak_mine"}, "form_param_unknown", "secret", id="secret-is-not-a-parameter"),
        ],
    )
    async def test_invalid_bodies_are_400(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str, param: str
    ) -> None:
        user = await make_user(client)
        full = {"name": "valid name", "subject": user["id"], **body}
        response = await client.post("/v1/api_keys", json={k: v for k, v in full.items() if v is not LEFT_OUT})
        assert clerk_error(response) == (400, code, param)

    @pytest.mark.parametrize("content", [b"", b"null", b"[]", b"{"], ids=["empty", "null", "array", "broken"])
    async def test_a_body_that_is_no_object_is_400(self, client: httpx.AsyncClient, content: bytes) -> None:
        response = await client.post("/v1/api_keys", content=content, headers={"Content-Type": "application/json"})
        assert response.status_code == 400

    async def test_a_subject_has_one_unrevoked_key_of_a_name(self, client: httpx.AsyncClient) -> None:
        user, other = await make_user(client), await make_user(client)
        first = await make_api_key(client, user["id"], name="deploy")
        response = await client.post("/v1/api_keys", json={"name": "deploy", "subject": user["id"]})
        assert clerk_error(response) == (409, "api_key_name_already_exists", "name")
        assert (await make_api_key(client, other["id"], name="deploy"))["name"] == "deploy"
        assert (await make_api_key(client, user["id"], name="Deploy"))["name"] == "Deploy"
        assert (await client.post(f"/v1/api_keys/{first['id']}/revoke", json={})).status_code == 200
        assert (await make_api_key(client, user["id"], name="deploy"))["id"] != first["id"]

    async def test_served_without_v1(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.post("/api_keys", json={"name": "versionless", "subject": user["id"]})
        assert response.status_code == 201 and set(response.json()) == API_KEY_FIELDS | {"secret"}

    async def test_secret_is_stored_sealed_and_digested_never_plain(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        key = await user_key(client)
        async with inspection_session(app) as session:
            row = await session.scalar(select(ApiKey).where(ApiKey.id == key["id"]))
        assert row is not None
        stored = [getattr(row, column.key) for column in ApiKey.__table__.columns]
        assert not any(key["secret"] in str(value) or key["secret"][3:] in str(value) for value in stored)


class TestGetApiKeys:
    async def test_lists_the_subjects_keys_newest_first_without_secrets(
        self, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        user, other = await make_user(client), await make_user(client)
        made = []
        for step in range(3):
            clock.freeze(frozen_clock + step)
            made.append(await make_api_key(client, user["id"]))
        await make_api_key(client, other["id"])
        response = await client.get("/v1/api_keys", params={"subject": user["id"]})
        assert response.status_code == 200
        listed = response.json()
        assert listed["total_count"] == 3
        assert listed["data"] == [without_secret(key) for key in reversed(made)]

    async def test_invalid_keys_only_when_asked(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        user = await make_user(client)
        valid = await make_api_key(client, user["id"])
        expiring = await make_api_key(client, user["id"], seconds_until_expiration=60)
        revoked = await make_api_key(client, user["id"])
        await client.post(f"/v1/api_keys/{revoked['id']}/revoke", json={"revocation_reason": "leaked"})
        clock.freeze(frozen_clock + MINUTE_MS)
        default = (await client.get("/v1/api_keys", params={"subject": user["id"]})).json()
        assert [key["id"] for key in default["data"]] == [valid["id"]] and default["total_count"] == 1
        everything = await client.get("/v1/api_keys", params={"subject": user["id"], "include_invalid": "true"})
        listed = {key["id"]: key for key in everything.json()["data"]}
        assert set(listed) == {valid["id"], expiring["id"], revoked["id"]}
        assert listed[expiring["id"]]["expired"] is True and listed[revoked["id"]]["revoked"] is True

    async def test_type_defaults_to_api_key(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        plain = await make_api_key(client, user["id"])
        other = await make_api_key(client, user["id"], type="service_key")
        by_default = (await client.get("/v1/api_keys", params={"subject": user["id"]})).json()["data"]
        of_type = (await client.get("/v1/api_keys", params={"subject": user["id"], "type": "service_key"})).json()
        assert [key["id"] for key in by_default] == [plain["id"]]
        assert [key["id"] for key in of_type["data"]] == [other["id"]]

    async def test_query_matches_part_of_the_name_ignoring_case(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        billing = await make_api_key(client, user["id"], name="Billing worker")
        await make_api_key(client, user["id"], name="Search 100%")
        for query, expected in (("LLING", [billing["id"]]), ("100%", None), ("%", None), ("nothing", [])):
            listed = (await client.get("/v1/api_keys", params={"subject": user["id"], "query": query})).json()
            if expected is None:
                assert [key["name"] for key in listed["data"]] == ["Search 100%"]
            else:
                assert [key["id"] for key in listed["data"]] == expected

    async def test_limit_and_offset_page_the_list(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        user = await make_user(client)
        ids = []
        for step in range(5):
            clock.freeze(frozen_clock + step)
            ids.append((await make_api_key(client, user["id"]))["id"])
        newest_first = ids[::-1]
        # Clerk's Python SDK sends limit and offset as floats ("2.0").
        for limit, offset in (("2", "1"), ("2.0", "1.0")):
            page = await client.get("/v1/api_keys", params={"subject": user["id"], "limit": limit, "offset": offset})
            assert [key["id"] for key in page.json()["data"]] == newest_first[1:3]
            assert page.json()["total_count"] == 5
        default = (await client.get("/v1/api_keys", params={"subject": user["id"], "offset": "4"})).json()["data"]
        assert [key["id"] for key in default] == newest_first[4:]

    @pytest.mark.parametrize(
        ("params", "code", "param"),
        [
            pytest.param({}, "form_param_missing", "subject", id="no-subject"),
            pytest.param({"subject": "user_1"}, "form_param_value_invalid", "subject", id="subject-malformed"),
            pytest.param({"include_invalid": "yes"}, "form_param_value_invalid", "include_invalid", id="flag"),
            pytest.param({"limit": "0"}, "form_param_value_invalid", "limit", id="limit-zero"),
            pytest.param({"limit": "101"}, "form_param_value_invalid", "limit", id="limit-over-100"),
            pytest.param({"limit": "2.5"}, "form_param_type_invalid", "limit", id="limit-fraction"),
            pytest.param({"offset": "-1"}, "form_param_value_invalid", "offset", id="offset-negative"),
            pytest.param({"offset": str(2**63)}, "form_param_value_invalid", "offset", id="offset-beyond-64-bits"),
            pytest.param({"type": "ak"}, "form_param_min_length_exceeded", "type", id="type-too-short"),
        ],
    )
    async def test_invalid_parameters_are_400(
        self, client: httpx.AsyncClient, params: dict[str, str], code: str, param: str
    ) -> None:
        query = {"subject": MISSING_USER, **params} if params else {}
        assert clerk_error(await client.get("/v1/api_keys", params=query)) == (400, code, param)

    async def test_another_instances_keys_are_not_listed(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        key = await user_key(client)
        listed = (await other_client.get("/v1/api_keys", params={"subject": key["subject"]})).json()
        assert listed == {"data": [], "total_count": 0}

    async def test_served_without_v1(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        versioned = await client.get("/v1/api_keys", params={"subject": key["subject"]})
        versionless = await client.get("/api_keys", params={"subject": key["subject"]})
        assert versionless.status_code == 200 and versionless.json() == versioned.json()


class TestGetApiKey:
    async def test_returns_the_key_without_its_secret(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client, scopes=["read"])
        response = await client.get(f"/v1/api_keys/{key['id']}")
        assert response.status_code == 200 and response.json() == without_secret(key)

    async def test_served_without_v1(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        response = await client.get(f"/api_keys/{key['id']}")
        assert response.status_code == 200 and response.json() == without_secret(key)

    async def test_shows_expiry_as_time_passes(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        key = await user_key(client, seconds_until_expiration=60)
        clock.freeze(frozen_clock + MINUTE_MS - 1)
        assert (await client.get(f"/v1/api_keys/{key['id']}")).json()["expired"] is False
        clock.freeze(frozen_clock + MINUTE_MS)
        assert (await client.get(f"/v1/api_keys/{key['id']}")).json()["expired"] is True

    @pytest.mark.parametrize("api_key_id", [MISSING_KEY, "api_key_" + "a" * 32], ids=["ak", "api_key-prefix"])
    async def test_a_well_formed_id_that_names_nothing_is_404(self, client: httpx.AsyncClient, api_key_id: str) -> None:
        response = await client.get(f"/v1/api_keys/{api_key_id}")
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    @pytest.mark.parametrize(
        "api_key_id",
        ["ak_missing", "ak_" + "0" * 31, "ak_" + "0" * 33, "ak_" + "g" * 32, "mt_" + "0" * 32, "x" * 2000],
        ids=["word", "short", "long", "not-hex", "other-prefix", "huge"],
    )
    async def test_an_id_outside_the_spec_pattern_is_400(self, client: httpx.AsyncClient, api_key_id: str) -> None:
        response = await client.get(f"/v1/api_keys/{api_key_id}")
        assert response.status_code == 400 and error_code(response) == "bad_request"

    async def test_another_instances_key_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        key = await user_key(client)
        assert (await other_client.get(f"/v1/api_keys/{key['id']}")).status_code == 404


class TestUpdateApiKey:
    async def test_changes_only_the_given_fields(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        key = await user_key(client, description="old", claims={"a": 1}, scopes=["read"])
        clock.freeze(frozen_clock + 5)
        response = await client.patch(f"/v1/api_keys/{key['id']}", json={"scopes": ["read", "write"]})
        assert response.status_code == 200
        updated = response.json()
        assert updated == {**without_secret(key), "scopes": ["read", "write"], "updated_at": frozen_clock + 5}
        assert (await client.get(f"/v1/api_keys/{key['id']}")).json() == updated

    async def test_null_clears_claims_and_description(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client, description="old", claims={"a": 1})
        updated = (await client.patch(f"/v1/api_keys/{key['id']}", json={"claims": None, "description": None})).json()
        assert updated["claims"] is None and updated["description"] is None

    async def test_null_subject_or_scopes_change_nothing(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client, scopes=["read"])
        updated = (await client.patch(f"/v1/api_keys/{key['id']}", json={"subject": None, "scopes": None})).json()
        assert updated["subject"] == key["subject"] and updated["scopes"] == ["read"]

    async def test_expiration_counts_from_the_update_and_null_removes_it(
        self, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        key = await user_key(client, seconds_until_expiration=60)
        clock.freeze(frozen_clock + 10 * MINUTE_MS)
        path = f"/v1/api_keys/{key['id']}"
        assert (await client.get(path)).json()["expired"] is True
        renewed = (await client.patch(path, json={"seconds_until_expiration": 120})).json()
        assert renewed["expiration"] == frozen_clock + 12 * MINUTE_MS and renewed["expired"] is False
        assert (await verify(client, key["secret"])).status_code == 200
        forever = (await client.patch(path, json={"seconds_until_expiration": None})).json()
        assert forever["expiration"] is None and forever["expired"] is False

    async def test_moves_the_key_to_another_subject(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        key = await user_key(client)
        organization = await insert_organization(app, instance.instance_id)
        moved = (await client.patch(f"/v1/api_keys/{key['id']}", json={"subject": organization["id"]})).json()
        assert moved["subject"] == organization["id"]
        assert (await verify(client, key["secret"])).json()["subject"] == organization["id"]

    async def test_moving_to_a_subject_that_names_nothing_is_a_form_error(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        response = await client.patch(f"/v1/api_keys/{key['id']}", json={"subject": MISSING_USER})
        assert clerk_error(response) == (400, "form_resource_not_found", "subject")

    async def test_moving_next_to_a_key_of_the_same_name_is_409(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        await make_api_key(client, user["id"], name="deploy")
        other = await user_key(client, name="deploy")
        response = await client.patch(f"/v1/api_keys/{other['id']}", json={"subject": user["id"]})
        assert clerk_error(response) == (409, "api_key_name_already_exists", "name")
        assert (await client.get(f"/v1/api_keys/{other['id']}")).json()["subject"] == other["subject"]

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({"name": "renamed"}, "form_param_unknown", "name", id="name-is-fixed"),
            pytest.param({"subject": "user_1"}, "form_param_value_invalid", "subject", id="subject-malformed"),
            pytest.param({"scopes": [None]}, "form_param_type_invalid", "scopes.0", id="scope-null"),
            pytest.param({"description": "d" * 256}, "form_param_max_length_exceeded", "description", id="desc"),
            pytest.param(
                {"seconds_until_expiration": 0}, "form_param_value_invalid", "seconds_until_expiration", id="ttl"
            ),
        ],
    )
    async def test_invalid_bodies_are_400(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str, param: str
    ) -> None:
        key = await user_key(client)
        assert clerk_error(await client.patch(f"/v1/api_keys/{key['id']}", json=body)) == (400, code, param)

    async def test_unknown_malformed_and_foreign_ids(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        key = await user_key(client)
        assert (await client.patch(f"/v1/api_keys/{MISSING_KEY}", json={})).status_code == 404
        assert (await client.patch("/v1/api_keys/ak_missing", json={})).status_code == 400
        assert (await other_client.patch(f"/v1/api_keys/{key['id']}", json={"scopes": []})).status_code == 404

    async def test_served_without_v1(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        response = await client.patch(f"/api_keys/{key['id']}", json={"description": "versionless"})
        assert response.status_code == 200 and response.json()["description"] == "versionless"


class TestDeleteApiKey:
    async def test_deletes_the_key_for_good(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        response = await client.delete(f"/v1/api_keys/{key['id']}")
        assert response.status_code == 200
        assert response.json() == {"id": key["id"], "object": "api_key", "deleted": True}
        assert (await client.get(f"/v1/api_keys/{key['id']}")).status_code == 404
        assert (await client.delete(f"/v1/api_keys/{key['id']}")).status_code == 404
        unknown = await verify(client, key["secret"])
        assert unknown.status_code == 404 and error_code(unknown) == "resource_not_found"

    async def test_unknown_malformed_and_foreign_ids(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        key = await user_key(client)
        assert (await client.delete(f"/v1/api_keys/{MISSING_KEY}")).status_code == 404
        assert (await client.delete("/v1/api_keys/ak_missing")).status_code == 400
        assert (await other_client.delete(f"/v1/api_keys/{key['id']}")).status_code == 404
        assert (await verify(client, key["secret"])).status_code == 200

    async def test_served_without_v1(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        assert (await client.delete(f"/api_keys/{key['id']}")).json()["deleted"] is True


class TestGetApiKeySecret:
    async def test_reveals_the_secret_made_with_the_key(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        response = await client.get(f"/v1/api_keys/{key['id']}/secret")
        assert response.status_code == 200 and response.json() == {"secret": key["secret"]}

    async def test_also_of_a_revoked_key(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        await client.post(f"/v1/api_keys/{key['id']}/revoke", json={})
        assert (await client.get(f"/v1/api_keys/{key['id']}/secret")).json() == {"secret": key["secret"]}

    async def test_unknown_malformed_and_foreign_ids(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        key = await user_key(client)
        assert (await client.get(f"/v1/api_keys/{MISSING_KEY}/secret")).status_code == 404
        assert (await client.get("/v1/api_keys/ak_missing/secret")).status_code == 400
        assert (await other_client.get(f"/v1/api_keys/{key['id']}/secret")).status_code == 404

    async def test_served_without_v1(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        assert (await client.get(f"/api_keys/{key['id']}/secret")).json() == {"secret": key["secret"]}


class TestRevokeApiKey:
    async def test_revokes_with_the_reason(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        key = await user_key(client)
        clock.freeze(frozen_clock + 7)
        response = await client.post(f"/v1/api_keys/{key['id']}/revoke", json={"revocation_reason": "leaked"})
        assert response.status_code == 200
        revoked = response.json()
        assert set(revoked) == API_KEY_FIELDS
        assert revoked == {
            **without_secret(key),
            "revoked": True,
            "revocation_reason": "leaked",
            "updated_at": frozen_clock + 7,
        }

    @pytest.mark.parametrize("content", [None, b"{}", b'{"revocation_reason": null}'], ids=["no-body", "empty", "null"])
    async def test_a_reason_is_optional(self, client: httpx.AsyncClient, content: bytes | None) -> None:
        key = await user_key(client)
        response = await client.post(
            f"/v1/api_keys/{key['id']}/revoke", content=content, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 200 and response.json()["revoked"] is True
        assert response.json()["revocation_reason"] is None

    async def test_revoking_again_keeps_the_first_revocation(
        self, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        key = await user_key(client)
        first = (await client.post(f"/v1/api_keys/{key['id']}/revoke", json={"revocation_reason": "first"})).json()
        clock.freeze(frozen_clock + MINUTE_MS)
        again = await client.post(f"/v1/api_keys/{key['id']}/revoke", json={"revocation_reason": "second"})
        assert again.status_code == 200 and again.json() == first

    async def test_concurrent_revocations_agree(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        reasons = [f"reason {i}" for i in range(10)]
        responses = await asyncio.gather(
            *(client.post(f"/v1/api_keys/{key['id']}/revoke", json={"revocation_reason": r}) for r in reasons)
        )
        assert [r.status_code for r in responses] == [200] * len(reasons), [r.text for r in responses]
        answers = [r.json() for r in responses]
        assert all(answer == answers[0] for answer in answers) and answers[0]["revocation_reason"] in reasons
        async with inspection_session(app) as session:
            row = await session.scalar(select(ApiKey).where(ApiKey.id == key["id"]))
        assert row is not None and row.revoked and row.revocation_reason == answers[0]["revocation_reason"]
        assert row.updated_at == answers[0]["updated_at"]

    async def test_invalid_bodies_are_400(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        path = f"/v1/api_keys/{key['id']}/revoke"
        assert clerk_error(await client.post(path, json={"reason": "x"})) == (400, "form_param_unknown", "reason")
        response = await client.post(path, json={"revocation_reason": 5})
        assert clerk_error(response) == (400, "form_param_type_invalid", "revocation_reason")
        assert (await client.get(f"/v1/api_keys/{key['id']}")).json()["revoked"] is False

    async def test_unknown_malformed_and_foreign_ids(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        key = await user_key(client)
        assert (await client.post(f"/v1/api_keys/{MISSING_KEY}/revoke", json={})).status_code == 404
        assert (await client.post("/v1/api_keys/ak_missing/revoke", json={})).status_code == 400
        assert (await other_client.post(f"/v1/api_keys/{key['id']}/revoke", json={})).status_code == 404
        assert (await verify(client, key["secret"])).status_code == 200

    async def test_served_without_v1(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        assert (await client.post(f"/api_keys/{key['id']}/revoke", json={})).json()["revoked"] is True


class TestVerifyApiKey:
    async def test_a_valid_secret_answers_its_key_without_the_secret(
        self, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        key = await user_key(client, claims={"tier": "gold"}, scopes=["read"])
        response = await verify(client, key["secret"])
        assert response.status_code == 200
        assert response.json() == {**without_secret(key), "last_used_at": frozen_clock}

    async def test_last_use_is_recorded_at_most_once_a_minute(
        self, client: httpx.AsyncClient, frozen_clock: int
    ) -> None:
        key = await user_key(client)
        assert (await verify(client, key["secret"])).json()["last_used_at"] == frozen_clock
        clock.freeze(frozen_clock + MINUTE_MS)
        assert (await verify(client, key["secret"])).json()["last_used_at"] == frozen_clock
        clock.freeze(frozen_clock + MINUTE_MS + 1)
        assert (await verify(client, key["secret"])).json()["last_used_at"] == frozen_clock + MINUTE_MS + 1
        stored = (await client.get(f"/v1/api_keys/{key['id']}")).json()
        assert stored["last_used_at"] == frozen_clock + MINUTE_MS + 1 and stored["updated_at"] == key["updated_at"]

    async def test_a_revoked_key_is_404_token_revoked(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        await client.post(f"/v1/api_keys/{key['id']}/revoke", json={})
        response = await verify(client, key["secret"])
        assert response.status_code == 404 and error_code(response) == "token_revoked"

    async def test_an_expired_key_is_404_token_expired(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        key = await user_key(client, seconds_until_expiration=60)
        clock.freeze(frozen_clock + MINUTE_MS - 1)
        assert (await verify(client, key["secret"])).status_code == 200
        clock.freeze(frozen_clock + MINUTE_MS)
        response = await verify(client, key["secret"])
        assert response.status_code == 404 and error_code(response) == "token_expired"

    async def test_an_unknown_secret_is_404_resource_not_found(self, client: httpx.AsyncClient) -> None:
        key = await user_key(client)
        for secret in ("ak_" + "0" * 64, key["secret"].upper(), key["id"], key["secret"] + "0"):
            response = await verify(client, secret)
            assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_keys_of_a_deleted_user_organization_or_machine_no_longer_verify(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        organization = await insert_organization(app, instance.instance_id)
        machine = await make_machine(client)
        subjects = {
            user["id"]: f"/v1/users/{user['id']}",
            organization["id"]: f"/v1/organizations/{organization['id']}",
            machine["id"]: f"/v1/machines/{machine['id']}",
        }
        for subject, path in subjects.items():
            key = await make_api_key(client, subject)
            assert (await client.delete(path)).status_code == 200
            response = await verify(client, key["secret"])
            assert response.status_code == 404 and error_code(response) == "resource_not_found"
            assert (await client.get(f"/v1/api_keys/{key['id']}")).status_code == 404

    async def test_another_instances_key_never_verifies(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        key = await user_key(client)
        response = await verify(other_client, key["secret"])
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    @pytest.mark.parametrize(
        "secret",
        ["", "ak_", "ak_" + "z" * 64, "x" * 10_000, "\u00e9\u2603" * 100, "ak_\U0001f600"],
        ids=["empty", "prefix-only", "not-hex", "huge", "unicode", "emoji"],
    )
    async def test_a_malformed_string_secret_is_404(self, client: httpx.AsyncClient, secret: str) -> None:
        response = await verify(client, secret)
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"secret": None},
            {"secret": 123},
            {"secret": ["ak_"]},
            {"secret": {}},
            {"token": "ak_x"},
            {"secret": "x" * 100_000},
        ],
        ids=["missing", "null", "number", "list", "object", "token-is-not-a-parameter", "over-64-KB"],
    )
    async def test_a_secret_that_is_no_bounded_string_is_400(
        self, client: httpx.AsyncClient, body: dict[str, Any]
    ) -> None:
        assert (await client.post("/v1/api_keys/verify", json=body)).status_code == 400

    async def test_served_without_v1(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        key = await user_key(client)
        versioned = await verify(client, key["secret"])
        versionless = await verify(client, key["secret"], prefix="")
        assert versionless.status_code == 200 and versionless.json() == versioned.json()
        await client.post(f"/api_keys/{key['id']}/revoke", json={})
        assert error_code(await verify(client, key["secret"], prefix="")) == "token_revoked"
