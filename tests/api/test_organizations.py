import asyncio
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from locum.api.versioning import DEFAULT_VERSION
from locum.db.models import OrganizationMembership
from locum.instances.context import RequestContext
from locum.instances.registry import InstanceContext
from locum.instances.service import InstanceKeys
from locum.resources.organizations.lookup import get_organization_or_raise, get_role_by_key_or_raise
from locum.resources.organizations.members import add_membership
from tests.builders import error_of, event_types, inspection_session, make_organization, make_user, png_bytes
from tests.conftest import TEST_ORIGIN, RecordedEvents, api_client


async def add_member(app: FastAPI, instance_id: str, *, organization_id: str, user_id: str) -> None:
    """A second member, added the way the memberships API does (that API is another module's)."""
    async with inspection_session(app) as session:
        organization = await get_organization_or_raise(session, instance_id=instance_id, id_or_slug=organization_id)
        role = await get_role_by_key_or_raise(session, instance_id=instance_id, key="org:member")
        ctx = RequestContext(InstanceContext(instance_id, "development", ""), TEST_ORIGIN, DEFAULT_VERSION)
        await add_membership(session, ctx, organization, user_id=user_id, role=role)
        await session.commit()


class TestCreateOrganization:
    async def test_creator_becomes_admin_and_settings_give_defaults(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        response = await client.post(
            "/v1/organizations",
            json={"name": "Acme Inc.", "created_by": user["id"], "public_metadata": {"plan": "pro"}},
        )
        assert response.status_code == 200, response.text
        organization = response.json()
        assert organization["id"].startswith("org_")
        assert organization["slug"] == "acme-inc"
        assert organization["created_by"] == user["id"]
        assert organization["max_allowed_memberships"] == 5
        assert organization["admin_delete_enabled"] is True
        assert organization["role_set_key"] == "role_set:default"
        assert organization["public_metadata"] == {"plan": "pro"}
        assert organization["created_at"] == organization["updated_at"]
        assert (await client.get(f"/v1/organizations/{organization['id']}")).json() == organization
        events = await recorded_events()
        assert [kind for kind, _ in events] == [
            "user.created",
            "organization.created",
            "organizationMembership.created",
        ]
        assert events[1][1] == organization
        membership = events[2][1]
        assert membership["role"] == "org:admin"
        assert membership["public_user_data"]["user_id"] == user["id"]

    async def test_optional_fields(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(
            client,
            slug="my-org-2",
            max_allowed_memberships=0,
            created_at="2012-10-20T07:15:20.902Z",
            private_metadata={"k": 1},
            role_set_key="role_set:default",
        )
        assert organization["slug"] == "my-org-2"
        assert organization["max_allowed_memberships"] == 0
        assert organization["created_at"] == 1350717320902
        assert organization["private_metadata"] == {"k": 1}
        assert "created_by" not in organization

    @pytest.mark.parametrize(
        ("name", "slug"),
        [
            pytest.param("Café Zürich", "cafe-zurich", id="ascii-folded"),
            pytest.param("  Big -- Co!  ", "big-co", id="dashes-collapsed"),
            pytest.param("東京", "organization", id="nothing-left"),
        ],
    )
    async def test_slug_generated_from_name(self, client: httpx.AsyncClient, name: str, slug: str) -> None:
        assert (await make_organization(client, name=name))["slug"] == slug

    async def test_generated_slug_gets_a_suffix_when_taken(self, client: httpx.AsyncClient) -> None:
        first = await make_organization(client, name="Acme")
        second = await make_organization(client, name="acme")
        assert first["slug"] == "acme"
        assert re.fullmatch(r"acme-[a-z0-9]{8}", second["slug"])

    async def test_given_slug_must_be_unique(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        await make_organization(client, slug="taken")
        response = await client.post("/v1/organizations", json={"name": "Other", "slug": "taken"})
        assert response.status_code == 422
        assert error_of(response)["code"] == "form_identifier_exists"
        assert error_of(response)["meta"] == {"param_name": "slug"}
        assert await event_types(recorded_events) == ["organization.created"]

    async def test_same_slug_in_another_instance_is_fine(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await make_organization(client, slug="shared")
        assert (await make_organization(other_client, slug="shared"))["slug"] == "shared"

    async def test_concurrent_creates_with_one_slug_make_one_organization(self, client: httpx.AsyncClient) -> None:
        responses = await asyncio.gather(
            *(client.post("/v1/organizations", json={"name": f"Org {n}", "slug": "race"}) for n in range(20))
        )
        assert sorted(r.status_code for r in responses) == [200] + [422] * 19
        assert {error_of(r)["code"] for r in responses if r.status_code == 422} == {"form_identifier_exists"}
        assert (await client.get("/v1/organizations")).json()["total_count"] == 1

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({}, "form_param_missing", id="no-name"),
            pytest.param({"name": "  "}, "form_param_missing", id="blank-name"),
            pytest.param({"name": "x" * 257}, "form_param_max_length_exceeded", id="long-name"),
            pytest.param({"name": "see https://spam.example"}, "form_param_format_invalid", id="url-in-name"),
            pytest.param({"name": "<b>bold</b>"}, "form_param_format_invalid", id="html-in-name"),
            pytest.param({"name": "A", "slug": "Upper"}, "form_param_format_invalid", id="uppercase-slug"),
            pytest.param({"name": "A", "slug": "a b"}, "form_param_format_invalid", id="space-in-slug"),
            pytest.param({"name": "A", "created_at": "yesterday"}, "form_param_invalid_time", id="bad-time"),
            pytest.param({"name": "A", "max_allowed_memberships": -1}, "form_param_value_invalid", id="negative-max"),
            pytest.param({"name": "A", "role_set_key": "role_set:nope"}, "form_param_value_invalid", id="role-set"),
            pytest.param({"name": "A", "nickname": "x"}, "form_param_unknown", id="unknown-field"),
            pytest.param({"name": 5}, "form_param_type_invalid", id="name-type"),
        ],
    )
    async def test_bad_input(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents, body: dict[str, Any], code: str
    ) -> None:
        response = await client.post("/v1/organizations", json=body)
        assert response.status_code == 422, response.text
        assert error_of(response)["code"] == code
        assert await recorded_events() == []

    async def test_empty_body_names_the_missing_name(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/organizations")
        assert response.status_code == 422
        assert error_of(response)["meta"] == {"param_name": "name"}

    async def test_unknown_creator(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        stranger = await make_user(other_client)
        for user_id in ("user_missing", stranger["id"]):
            response = await client.post("/v1/organizations", json={"name": "A", "created_by": user_id})
            assert response.status_code == 400
            assert error_of(response)["code"] == "organization_creator_not_found"
        assert await recorded_events() == []

    async def test_settings_defaults_apply(self, client: httpx.AsyncClient) -> None:
        patch = {"max_allowed_memberships": 0, "admin_delete_enabled": False}
        assert (await client.patch("/v1/instance/organization_settings", json=patch)).status_code == 200
        organization = await make_organization(client)
        assert organization["max_allowed_memberships"] == 0
        assert organization["admin_delete_enabled"] is False

    async def test_slugs_disabled(self, client: httpx.AsyncClient) -> None:
        await client.patch("/v1/instance/organization_settings", json={"slug_disabled": True})
        response = await client.post("/v1/organizations", json={"name": "A", "slug": "given"})
        assert response.status_code == 403
        assert error_of(response)["code"] == "organization_slugs_disabled"
        assert (await make_organization(client, name="No Slug"))["slug"] == "no-slug"


class TestGetOrganization:
    async def test_by_id_or_slug_with_counts(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        organization = await make_organization(client, slug="acme", created_by=user["id"])
        assert (await client.get("/v1/organizations/acme")).json() == organization
        counted = await client.get(
            f"/v1/organizations/{organization['id']}",
            params={"include_members_count": "true", "include_missing_member_with_elevated_permissions": "true"},
        )
        assert counted.json()["members_count"] == 1
        assert counted.json()["missing_member_with_elevated_permissions"] is False

    async def test_an_organization_without_members_misses_an_elevated_member(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        response = await client.get(
            f"/v1/organizations/{organization['id']}",
            params={"include_members_count": "true", "include_missing_member_with_elevated_permissions": "true"},
        )
        assert response.json()["members_count"] == 0
        assert response.json()["missing_member_with_elevated_permissions"] is True

    async def test_unknown_and_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        organization = await make_organization(client, slug="mine")
        for path in ("org_missing", organization["id"], "mine"):
            response = await other_client.get(f"/v1/organizations/{path}")
            assert response.status_code == 404
            assert error_of(response)["code"] == "resource_not_found"


class TestListOrganizations:
    async def test_newest_first_with_pagination(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        created = [await make_organization(client, name=f"Org {n}") for n in range(3)]
        await make_organization(other_client)
        page = (await client.get("/v1/organizations", params={"limit": 2})).json()
        assert page["total_count"] == 3
        assert [o["id"] for o in page["data"]] == [created[2]["id"], created[1]["id"]]
        rest = (await client.get("/v1/organizations", params={"limit": 2, "offset": 2})).json()
        assert [o["id"] for o in rest["data"]] == [created[0]["id"]]
        assert "members_count" not in page["data"][0]

    async def test_filters(self, client: httpx.AsyncClient) -> None:
        ada, bob = await make_user(client), await make_user(client)
        red = await make_organization(client, name="Red Team", slug="crimson", created_by=ada["id"])
        blue = await make_organization(client, name="Blue Team", slug="azure", created_by=bob["id"])
        green = await make_organization(client, name="Green 100%", slug="green")

        async def ids(**params: Any) -> set[str]:
            response = await client.get("/v1/organizations", params=params)
            assert response.status_code == 200, response.text
            return {o["id"] for o in response.json()["data"]}

        assert await ids(query="team") == {red["id"], blue["id"]}
        assert await ids(query="AZU") == {blue["id"]}
        assert await ids(query=green["id"]) == {green["id"]}
        assert await ids(query="100%") == {green["id"]}
        assert await ids(user_id=[ada["id"]]) == {red["id"]}
        assert await ids(user_id=[f"+{ada['id']}", bob["id"]]) == {red["id"], blue["id"]}
        assert await ids(user_id=[f"-{ada['id']}"]) == {blue["id"], green["id"]}
        assert await ids(organization_id=[red["id"], f"+{green['id']}"]) == {red["id"], green["id"]}
        assert await ids(organization_id=[f"-{red['id']}"]) == {blue["id"], green["id"]}

    async def test_order_by_and_members_count(
        self, client: httpx.AsyncClient, app: FastAPI, instance: InstanceKeys
    ) -> None:
        users = [await make_user(client) for _ in range(2)]
        b = await make_organization(client, name="b", created_by=users[0]["id"])
        a = await make_organization(client, name="a")
        c = await make_organization(client, name="c", created_by=users[1]["id"])
        await add_member(app, instance.instance_id, organization_id=c["id"], user_id=users[0]["id"])

        async def names(order_by: str, **params: Any) -> list[str]:
            response = await client.get("/v1/organizations", params={"order_by": order_by, **params})
            assert response.status_code == 200, response.text
            return [o["name"] for o in response.json()["data"]]

        assert await names("name") == ["a", "b", "c"]
        assert await names("-name") == ["c", "b", "a"]
        assert await names("+created_at") == ["b", "a", "c"]
        assert await names("members_count") == ["a", "b", "c"]
        assert await names("-members_count") == ["c", "b", "a"]
        listed = (await client.get("/v1/organizations", params={"include_members_count": "true"})).json()["data"]
        assert {o["id"]: o["members_count"] for o in listed} == {a["id"]: 0, b["id"]: 1, c["id"]: 2}

    async def test_members_counts_and_totals_follow_every_change(self, client: httpx.AsyncClient) -> None:
        """members_count and the totals are kept by the database (migration 0017): memberships added
        and removed, a member's user deleted, an organization deleted with its memberships."""
        ada, bob, cy = [await make_user(client) for _ in range(3)]
        a = await make_organization(client, name="a", created_by=ada["id"])
        b = await make_organization(client, name="b")
        for user in (bob, cy):
            added = await client.post(
                f"/v1/organizations/{b['id']}/memberships", json={"user_id": user["id"], "role": "org:member"}
            )
            assert added.status_code == 200, added.text

        async def listed(order_by: str) -> tuple[list[tuple[str, int]], int]:
            params = {"order_by": order_by, "include_members_count": "true"}
            page = (await client.get("/v1/organizations", params=params)).json()
            return [(o["name"], o["members_count"]) for o in page["data"]], page["total_count"]

        async def memberships_total() -> int:
            total: int = (await client.get("/v1/organization_memberships")).json()["total_count"]
            return total

        assert await listed("-members_count") == ([("b", 2), ("a", 1)], 2)
        assert await memberships_total() == 3
        assert (await client.delete(f"/v1/organizations/{b['id']}/memberships/{bob['id']}")).status_code == 200
        assert (await client.delete(f"/v1/users/{cy['id']}")).status_code == 200
        assert await listed("members_count") == ([("b", 0), ("a", 1)], 2)
        assert await memberships_total() == 1
        assert (await client.delete(f"/v1/organizations/{a['id']}")).status_code == 200
        assert await listed("-members_count") == ([("b", 0)], 1)
        assert await memberships_total() == 0

    @pytest.mark.parametrize(
        "params",
        [
            pytest.param({"order_by": "slug"}, id="order-field"),
            pytest.param({"limit": 0}, id="limit"),
            pytest.param({"offset": -1}, id="offset"),
        ],
    )
    async def test_bad_params(self, client: httpx.AsyncClient, params: dict[str, Any]) -> None:
        response = await client.get("/v1/organizations", params=params)
        assert response.status_code == 422


class TestUpdateOrganization:
    async def test_updates_fields_and_records_event(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        organization = await make_organization(client, public_metadata={"old": 1})
        body = {
            "name": "Renamed",
            "slug": "renamed",
            "max_allowed_memberships": 50,
            "admin_delete_enabled": False,
            "public_metadata": {"new": 2},
            "created_at": "2020-01-01T00:00:00Z",
            "role_set_key": "role_set:default",
        }
        response = await client.patch(f"/v1/organizations/{organization['id']}", json=body)
        assert response.status_code == 200, response.text
        updated = response.json()
        assert (updated["name"], updated["slug"]) == ("Renamed", "renamed")
        assert updated["max_allowed_memberships"] == 50
        assert updated["admin_delete_enabled"] is False
        assert updated["public_metadata"] == {"new": 2}
        assert updated["created_at"] == 1577836800000
        assert (await client.get("/v1/organizations/renamed")).json() == updated
        assert (await recorded_events())[-1] == ("organization.updated", updated)

    async def test_slug_rules(self, client: httpx.AsyncClient) -> None:
        first = await make_organization(client, slug="first")
        await make_organization(client, slug="second")
        same = await client.patch(f"/v1/organizations/{first['id']}", json={"slug": "first"})
        assert same.status_code == 200
        taken = await client.patch(f"/v1/organizations/{first['id']}", json={"slug": "second"})
        assert (taken.status_code, error_of(taken)["code"]) == (422, "form_identifier_exists")
        await client.patch("/v1/instance/organization_settings", json={"slug_disabled": True})
        disabled = await client.patch(f"/v1/organizations/{first['id']}", json={"slug": "third"})
        assert (disabled.status_code, error_of(disabled)["code"]) == (403, "organization_slugs_disabled")

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"name": ""}, "form_param_missing", id="blank-name"),
            pytest.param({"slug": "Bad Slug"}, "form_param_format_invalid", id="bad-slug"),
            pytest.param({"max_allowed_memberships": -5}, "form_param_value_invalid", id="negative-max"),
            pytest.param({"role_set_key": "nope"}, "form_param_value_invalid", id="role-set"),
            pytest.param({"logo": "x"}, "form_param_unknown", id="unknown-field"),
        ],
    )
    async def test_bad_input(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents, body: dict[str, Any], code: str
    ) -> None:
        organization = await make_organization(client)
        response = await client.patch(f"/v1/organizations/{organization['id']}", json=body)
        assert response.status_code == 422
        assert error_of(response)["code"] == code
        assert await event_types(recorded_events) == ["organization.created"]

    async def test_metadata_rejected_from_2026_05_12(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        response = await client.patch(
            f"/v1/organizations/{organization['id']}",
            json={"private_metadata": {"a": 1}},
            headers={"Clerk-API-Version": "2026-05-12"},
        )
        assert (response.status_code, error_of(response)["code"]) == (422, "form_param_unknown")

    async def test_unknown_and_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        for target in (client, other_client):
            bad_id = "org_missing" if target is client else organization["id"]
            response = await target.patch(f"/v1/organizations/{bad_id}", json={"name": "X"})
            assert response.status_code == 404


class TestDeleteOrganization:
    async def test_deletes_with_memberships(
        self, client: httpx.AsyncClient, app: FastAPI, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        organization = await make_organization(client, created_by=user["id"])
        response = await client.delete(f"/v1/organizations/{organization['id']}")
        assert response.status_code == 200
        deleted = {"object": "organization", "id": organization["id"], "slug": organization["slug"], "deleted": True}
        assert response.json() == deleted
        assert (await client.get(f"/v1/organizations/{organization['id']}")).status_code == 404
        async with inspection_session(app) as session:
            remaining = await session.scalar(
                select(func.count())
                .select_from(OrganizationMembership)
                .where(OrganizationMembership.organization_id == organization["id"])
            )
        assert remaining == 0
        assert (await recorded_events())[-1] == ("organization.deleted", deleted)

    async def test_unknown_and_other_instance(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        organization = await make_organization(client)
        assert (await client.delete("/v1/organizations/org_missing")).status_code == 404
        assert (await other_client.delete(f"/v1/organizations/{organization['id']}")).status_code == 404
        assert (await client.get(f"/v1/organizations/{organization['id']}")).status_code == 200
        assert await event_types(recorded_events) == ["organization.created"]


class TestOrganizationMetadata:
    async def test_merge_deep_and_null_deletes(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        organization = await make_organization(
            client, public_metadata={"a": {"x": 1, "y": 2}, "b": 1}, private_metadata={"keep": True}
        )
        response = await client.patch(
            f"/v1/organizations/{organization['id']}/metadata",
            json={"public_metadata": {"a": {"y": None, "z": 3}, "b": None, "c": [1]}},
        )
        assert response.status_code == 200
        merged = response.json()
        assert merged["public_metadata"] == {"a": {"x": 1, "z": 3}, "c": [1]}
        assert merged["private_metadata"] == {"keep": True}
        assert (await recorded_events())[-1] == ("organization.updated", merged)

    async def test_replace_only_given_fields(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client, public_metadata={"a": 1}, private_metadata={"b": 2})
        response = await client.put(
            f"/v1/organizations/{organization['id']}/metadata", json={"public_metadata": {"z": 26}}
        )
        assert response.status_code == 200
        assert response.json()["public_metadata"] == {"z": 26}
        assert response.json()["private_metadata"] == {"b": 2}

    @pytest.mark.parametrize("method", ["PATCH", "PUT"])
    async def test_errors(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, method: str) -> None:
        organization = await make_organization(client)
        path = f"/v1/organizations/{organization['id']}/metadata"
        unknown = await client.request(method, path, json={"unsafe_metadata": {}})
        assert (unknown.status_code, error_of(unknown)["code"]) == (422, "form_param_unknown")
        assert (await other_client.request(method, path, json={"public_metadata": {}})).status_code == 404
        missing = await client.request(method, "/v1/organizations/org_missing/metadata", json={})
        assert missing.status_code == 404


class TestOrganizationLogo:
    async def test_upload_serves_image_and_delete_removes_it(
        self, client: httpx.AsyncClient, app: FastAPI, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        organization = await make_organization(client)
        assert organization["has_image"] is False
        content = png_bytes()
        response = await client.put(
            f"/v1/organizations/{organization['id']}/logo",
            files={"file": ("logo.png", content, "image/png")},
            data={"uploader_user_id": user["id"]},
        )
        assert response.status_code == 200, response.text
        with_logo = response.json()
        assert with_logo["has_image"] is True
        assert with_logo["image_url"].startswith(f"{TEST_ORIGIN}/locum/images/img_")
        assert with_logo["logo_url"] == with_logo["image_url"]
        async with api_client(app, None) as anonymous:
            served = await anonymous.get(with_logo["image_url"])
        assert (served.status_code, served.content) == (200, content)
        assert (await client.get(f"/v1/organizations/{organization['id']}")).json()["image_url"] == with_logo[
            "image_url"
        ]
        removed = await client.delete(f"/v1/organizations/{organization['id']}/logo")
        assert removed.status_code == 200
        assert removed.json()["has_image"] is False
        async with api_client(app, None) as anonymous:
            assert (await anonymous.get(with_logo["image_url"])).status_code == 404
        assert (await event_types(recorded_events))[-2:] == ["organization.updated", "organization.updated"]

    async def test_deleting_absent_logo_records_nothing(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        organization = await make_organization(client)
        response = await client.delete(f"/v1/organizations/{organization['id']}/logo")
        assert response.status_code == 200
        assert response.json() == organization
        assert await event_types(recorded_events) == ["organization.created"]

    @pytest.mark.parametrize(
        ("files", "status", "code"),
        [
            pytest.param(
                {"file": ("a.txt", b"not an image", "image/png")}, 400, "request_body_invalid", id="not-image"
            ),
            pytest.param({"other": ("a.png", png_bytes(), "image/png")}, 400, "form_param_missing", id="no-file"),
            pytest.param({"file": ("a.png", b"0" * (10 * 1024 * 1024 + 1), "image/png")}, 413, "image_too_large"),
        ],
    )
    async def test_bad_uploads(self, client: httpx.AsyncClient, files: dict[str, Any], status: int, code: str) -> None:
        organization = await make_organization(client)
        response = await client.put(f"/v1/organizations/{organization['id']}/logo", files=files)
        assert (response.status_code, error_of(response)["code"]) == (status, code)

    async def test_unknown_and_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        files = {"file": ("a.png", png_bytes(), "image/png")}
        assert (await other_client.put(f"/v1/organizations/{organization['id']}/logo", files=files)).status_code == 404
        assert (await client.put("/v1/organizations/org_missing/logo", files=files)).status_code == 404
        assert (await other_client.delete(f"/v1/organizations/{organization['id']}/logo")).status_code == 404
