"""Role Sets: ListRoleSets, CreateRoleSet, GetRoleSet, UpdateRoleSet, ReplaceRoleSet,
AddRolesToRoleSet, ReplaceRoleInRoleSet.

Custom roles, organizations and memberships are inserted directly: their own APIs are other
packages' business, and a role set only reads them.
"""

import itertools
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import Organization, OrganizationMembership, OrganizationSettings, Permission, Role
from locum.instances.organization_defaults import CREATOR_PERMISSIONS
from locum.instances.service import InstanceKeys
from locum.kit.ids import new_id
from tests.builders import error_code, inspection_session, make_user
from tests.conftest import RecordedEvents

_slugs = itertools.count(1)

CREATOR_ELIGIBLE = tuple(sorted(CREATOR_PERMISSIONS))


async def insert_role(app: FastAPI, instance: InstanceKeys, key: str, *, permissions: tuple[str, ...] = ()) -> None:
    async with inspection_session(app) as session:
        granted = list(
            await session.scalars(
                select(Permission).where(
                    Permission.instance_id == instance.instance_id, Permission.key.in_(permissions)
                )
            )
        )
        session.add(
            Role(
                id=new_id("role"),
                instance_id=instance.instance_id,
                key=key,
                name=key.removeprefix("org:").title(),
                description=None,
                permissions=granted,
            )
        )
        await session.commit()


async def insert_organization(app: FastAPI, instance: InstanceKeys, *, role_set_key: str | None = None) -> str:
    async with inspection_session(app) as session:
        organization = Organization(
            id=new_id("organization"),
            instance_id=instance.instance_id,
            name="Acme",
            slug=f"acme-{next(_slugs)}",
            role_set_key=role_set_key,
        )
        session.add(organization)
        await session.commit()
        return organization.id


async def insert_member(
    app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, organization_id: str, role_key: str
) -> str:
    user = await make_user(client)
    async with inspection_session(app) as session:
        role = await session.scalar(select(Role).where(Role.instance_id == instance.instance_id, Role.key == role_key))
        assert role is not None
        session.add(
            OrganizationMembership(
                id=new_id("organization_membership"),
                instance_id=instance.instance_id,
                organization_id=organization_id,
                user_id=user["id"],
                role_id=role.id,
            )
        )
        await session.commit()
    return str(user["id"])


async def member_roles(app: FastAPI, organization_id: str) -> dict[str, str]:
    """user id -> role key in the organization."""
    async with inspection_session(app) as session:
        rows = await session.execute(
            select(OrganizationMembership.user_id, Role.key)
            .join(Role, Role.id == OrganizationMembership.role_id)
            .where(OrganizationMembership.organization_id == organization_id)
        )
        return dict(rows.tuples().all())


async def organization_role_set_key(app: FastAPI, organization_id: str) -> str | None:
    async with inspection_session(app) as session:
        return await session.scalar(select(Organization.role_set_key).where(Organization.id == organization_id))


async def change_settings(app: FastAPI, instance: InstanceKeys, **values: Any) -> None:
    async with inspection_session(app) as session:
        settings = await session.get_one(OrganizationSettings, instance.instance_id)
        for name, value in values.items():
            setattr(settings, name, value)
        await session.commit()


async def create_role_set(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Support",
        "key": "role_set:support",
        "default_role_key": "org:member",
        "creator_role_key": "org:admin",
        "roles": ["org:admin", "org:member"],
    }
    body.update(overrides)
    response = await client.post("/v1/role_sets", json=body)
    assert response.status_code == 200, response.text
    role_set: dict[str, Any] = response.json()
    return role_set


def role_keys(role_set: dict[str, Any]) -> list[str]:
    return [role["key"] for role in role_set["roles"]]


def error_param(response: httpx.Response) -> str | None:
    return (response.json()["errors"][0].get("meta") or {}).get("param_name")


class TestListRoleSets:
    async def test_the_initial_set_is_listed_with_its_two_roles(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/role_sets")
        assert response.status_code == 200
        body = response.json()
        assert body["total_count"] == 1
        (initial,) = body["data"]
        assert initial["object"] == "role_set"
        assert initial["key"] == "role_set:default" and initial["type"] == "initial"
        assert initial["id"].startswith("rs_")
        assert role_keys(initial) == ["org:admin", "org:member"]
        assert initial["default_role"]["key"] == "org:member"
        assert initial["creator_role"]["key"] == "org:admin"
        assert initial["roles"][0]["object"] == "role_set_item"
        assert initial["role_set_migration"] is None

    async def test_newest_first_by_default_then_paginated(self, client: httpx.AsyncClient) -> None:
        first = await create_role_set(client, key="role_set:first", name="First")
        second = await create_role_set(client, key="role_set:second", name="Second")
        body = (await client.get("/v1/role_sets", params={"limit": 2})).json()
        assert [s["id"] for s in body["data"]] == [second["id"], first["id"]]
        assert body["total_count"] == 3
        rest = (await client.get("/v1/role_sets", params={"limit": 2, "offset": 2})).json()
        assert [s["key"] for s in rest["data"]] == ["role_set:default"]

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            pytest.param("name", ["role_set:alpha", "role_set:default", "role_set:zulu"], id="name"),
            pytest.param("-key", ["role_set:zulu", "role_set:default", "role_set:alpha"], id="key-desc"),
            pytest.param("+created_at", ["role_set:default", "role_set:zulu", "role_set:alpha"], id="created-asc"),
        ],
    )
    async def test_order_by(self, client: httpx.AsyncClient, order_by: str, expected: list[str]) -> None:
        await create_role_set(client, key="role_set:zulu", name="Zulu")
        await create_role_set(client, key="role_set:alpha", name="Alpha")
        body = (await client.get("/v1/role_sets", params={"order_by": order_by})).json()
        assert [s["key"] for s in body["data"]] == expected

    async def test_query_matches_part_of_name_or_key_and_the_whole_id(self, client: httpx.AsyncClient) -> None:
        created = await create_role_set(client, key="role_set:billing_team", name="Finance people")
        by_name = (await client.get("/v1/role_sets", params={"query": "FINANCE"})).json()
        by_key = (await client.get("/v1/role_sets", params={"query": "billing_t"})).json()
        by_id = (await client.get("/v1/role_sets", params={"query": created["id"]})).json()
        part_of_id = (await client.get("/v1/role_sets", params={"query": created["id"][:6]})).json()
        assert [s["id"] for s in by_name["data"]] == [created["id"]] and by_name["total_count"] == 1
        assert [s["id"] for s in by_key["data"]] == [created["id"]]
        assert [s["id"] for s in by_id["data"]] == [created["id"]]
        assert part_of_id["total_count"] == 0

    async def test_underscore_in_query_is_literal(self, client: httpx.AsyncClient) -> None:
        await create_role_set(client, key="role_set:abc", name="abc")
        body = (await client.get("/v1/role_sets", params={"query": "a_c"})).json()
        assert body["total_count"] == 0

    @pytest.mark.parametrize(
        "params",
        [
            pytest.param({"order_by": "updated_at"}, id="unknown-order"),
            pytest.param({"limit": "0"}, id="limit-too-small"),
            pytest.param({"offset": "-1"}, id="negative-offset"),
        ],
    )
    async def test_invalid_parameters(self, client: httpx.AsyncClient, params: dict[str, str]) -> None:
        response = await client.get("/v1/role_sets", params=params)
        assert response.status_code == 422

    async def test_other_instances_sets_are_not_listed(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await create_role_set(client)
        body = (await other_client.get("/v1/role_sets")).json()
        assert [s["key"] for s in body["data"]] == ["role_set:default"]

    async def test_organizations_disabled(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await change_settings(app, instance, enabled=False)
        response = await client.get("/v1/role_sets")
        assert response.status_code == 403
        assert error_code(response) == "organization_not_enabled_in_instance"


class TestCreateRoleSet:
    async def test_creates_a_custom_set(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, recorded_events: RecordedEvents
    ) -> None:
        await insert_role(app, instance, "org:owner", permissions=CREATOR_ELIGIBLE)
        created = await create_role_set(
            client,
            description="For the support team",
            roles=["org:owner", "org:member", "org:owner"],
            default_role_key="org:member",
            creator_role_key="org:owner",
        )
        assert created["key"] == "role_set:support" and created["name"] == "Support"
        assert created["description"] == "For the support team"
        assert created["type"] == "custom"
        assert sorted(role_keys(created)) == ["org:member", "org:owner"]
        assert created["creator_role"]["key"] == "org:owner"
        assert created["default_role"]["key"] == "org:member"
        assert created["roles"][0]["members_count"] == 0 and created["roles"][0]["has_members"] is False
        fetched = (await client.get(f"/v1/role_sets/{created['id']}")).json()
        assert fetched == created
        assert await recorded_events() == []

    async def test_key_is_generated_from_the_name(self, client: httpx.AsyncClient) -> None:
        created = await create_role_set(client, key=None, name="Sales & Marketing 2")
        assert created["key"] == "role_set:sales_marketing_2"
        assert created["description"] is None

    async def test_initial_type_takes_over_and_pins_existing_organizations(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        organization_id = await insert_organization(app, instance)
        created = await create_role_set(client, type="initial")
        assert created["type"] == "initial"
        previous = (await client.get("/v1/role_sets/role_set:default")).json()
        assert previous["type"] == "custom"
        assert await organization_role_set_key(app, organization_id) == "role_set:default"
        async with inspection_session(app) as session:
            settings = await session.get_one(OrganizationSettings, instance.instance_id)
            assert settings.initial_role_set_key == "role_set:support"

    @pytest.mark.parametrize(
        ("overrides", "status", "code", "param"),
        [
            pytest.param({"roles": []}, 422, "form_param_min_length_exceeded", "roles", id="no-roles"),
            pytest.param(
                {"roles": [f"org:r{i}" for i in range(11)]}, 422, "form_param_array_size_exceeded", "roles", id="11"
            ),
            pytest.param({"roles": ["org:admin", "org:nope"]}, 422, "form_param_value_invalid", "roles", id="unknown"),
            pytest.param({"key": "support"}, 422, "form_param_value_invalid", "key", id="no-prefix"),
            pytest.param({"key": "role_set:Big"}, 422, "form_param_value_invalid", "key", id="uppercase"),
            pytest.param({"key": "role_set:default"}, 422, "form_identifier_exists", "key", id="taken"),
            pytest.param({"key": None, "name": "!!"}, 422, "form_param_value_invalid", "key", id="no-key-from-name"),
            pytest.param({"name": ""}, 422, "form_param_min_length_exceeded", "name", id="empty-name"),
            pytest.param({"type": "system"}, 422, "form_param_value_invalid", "type", id="bad-type"),
            pytest.param({"colour": "red"}, 422, "form_param_unknown", "colour", id="unknown-field"),
            pytest.param(
                {"roles": ["org:admin"], "default_role_key": "org:member"},
                422,
                "form_param_value_invalid",
                "default_role_key",
                id="default-not-in-set",
            ),
            pytest.param(
                {"roles": ["org:member"], "default_role_key": "org:member"},
                422,
                "form_param_value_invalid",
                "creator_role_key",
                id="creator-not-in-set",
            ),
            pytest.param(
                {"creator_role_key": "org:member"},
                422,
                "organization_missing_creator_role_permissions",
                "creator_role_key",
                id="creator-lacks-permissions",
            ),
        ],
    )
    async def test_validation(
        self,
        client: httpx.AsyncClient,
        recorded_events: RecordedEvents,
        overrides: dict[str, Any],
        status: int,
        code: str,
        param: str,
    ) -> None:
        body: dict[str, Any] = {
            "name": "Support",
            "key": "role_set:support",
            "default_role_key": "org:member",
            "creator_role_key": "org:admin",
            "roles": ["org:admin", "org:member"],
            **overrides,
        }
        response = await client.post("/v1/role_sets", json={k: v for k, v in body.items() if v is not None})
        assert response.status_code == status, response.text
        assert error_code(response) == code
        assert error_param(response) == param
        assert (await client.get("/v1/role_sets")).json()["total_count"] == 1
        assert await recorded_events() == []

    async def test_missing_required_field(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/role_sets", json={"name": "x", "roles": ["org:admin"]})
        assert response.status_code == 422
        assert error_code(response) == "form_param_missing"

    async def test_quota(self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys) -> None:
        await change_settings(app, instance, max_role_sets_allowed=2)
        await create_role_set(client)
        response = await client.post(
            "/v1/role_sets",
            json={
                "name": "Third",
                "default_role_key": "org:member",
                "creator_role_key": "org:admin",
                "roles": ["org:admin", "org:member"],
            },
        )
        assert response.status_code == 403
        assert error_code(response) == "quota_exceeded"

    async def test_roles_of_another_instance_are_unknown(
        self, app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await insert_role(app, instance, "org:owner", permissions=CREATOR_ELIGIBLE)
        response = await other_client.post(
            "/v1/role_sets",
            json={
                "name": "Support",
                "default_role_key": "org:member",
                "creator_role_key": "org:admin",
                "roles": ["org:admin", "org:member", "org:owner"],
            },
        )
        assert response.status_code == 422
        assert error_param(response) == "roles"

    async def test_organizations_disabled(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await change_settings(app, instance, enabled=False)
        response = await client.post(
            "/v1/role_sets",
            json={
                "name": "x",
                "default_role_key": "org:member",
                "creator_role_key": "org:admin",
                "roles": ["org:admin"],
            },
        )
        assert response.status_code == 403
        assert error_code(response) == "organization_not_enabled_in_instance"


class TestGetRoleSet:
    async def test_by_key_and_by_id(self, client: httpx.AsyncClient) -> None:
        created = await create_role_set(client)
        by_key = await client.get("/v1/role_sets/role_set:support")
        by_id = await client.get(f"/v1/role_sets/{created['id']}")
        assert by_key.status_code == by_id.status_code == 200
        assert by_key.json() == by_id.json() == created

    async def test_members_are_counted_per_role_in_organizations_using_the_set(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await create_role_set(client)
        using_default = await insert_organization(app, instance)
        using_support = await insert_organization(app, instance, role_set_key="role_set:support")
        await insert_member(app, client, instance, using_default, "org:admin")
        await insert_member(app, client, instance, using_default, "org:member")
        await insert_member(app, client, instance, using_support, "org:member")
        await insert_member(app, client, instance, using_support, "org:member")
        default = (await client.get("/v1/role_sets/role_set:default")).json()
        support = (await client.get("/v1/role_sets/role_set:support")).json()
        assert {r["key"]: r["members_count"] for r in default["roles"]} == {"org:admin": 1, "org:member": 1}
        assert {r["key"]: r["members_count"] for r in support["roles"]} == {"org:admin": 0, "org:member": 2}
        assert {r["key"]: r["has_members"] for r in support["roles"]} == {"org:admin": False, "org:member": True}
        assert support["default_role"]["members_count"] == 2

    async def test_unknown(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/role_sets/role_set:missing")
        assert response.status_code == 404
        assert error_code(response) == "resource_not_found"

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        created = await create_role_set(client)
        assert (await other_client.get(f"/v1/role_sets/{created['id']}")).status_code == 404
        assert (await other_client.get("/v1/role_sets/role_set:support")).status_code == 404


class TestUpdateRoleSet:
    async def test_updates_the_given_fields_only(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await insert_role(app, instance, "org:owner", permissions=CREATOR_ELIGIBLE)
        created = await create_role_set(client, description="old", roles=["org:admin", "org:member", "org:owner"])
        response = await client.patch(
            f"/v1/role_sets/{created['id']}",
            json={"name": "Helpdesk", "default_role_key": "org:admin", "creator_role_key": "org:owner"},
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["name"] == "Helpdesk" and updated["key"] == "role_set:support"
        assert updated["description"] == "old"
        assert updated["default_role"]["key"] == "org:admin"
        assert updated["creator_role"]["key"] == "org:owner"
        assert updated["updated_at"] >= created["updated_at"]
        assert (await client.get("/v1/role_sets/role_set:support")).json() == updated

    async def test_an_empty_body_changes_nothing(self, client: httpx.AsyncClient) -> None:
        created = await create_role_set(client)
        response = await client.patch("/v1/role_sets/role_set:support")
        assert response.status_code == 200, response.text
        assert {k: v for k, v in response.json().items() if k != "updated_at"} == {
            k: v for k, v in created.items() if k != "updated_at"
        }

    async def test_null_description_clears_it(self, client: httpx.AsyncClient) -> None:
        await create_role_set(client, description="old")
        updated = (await client.patch("/v1/role_sets/role_set:support", json={"description": None})).json()
        assert updated["description"] is None

    async def test_renaming_the_key_keeps_organizations_on_the_set(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await create_role_set(client)
        organization_id = await insert_organization(app, instance, role_set_key="role_set:support")
        await insert_member(app, client, instance, organization_id, "org:member")
        response = await client.patch("/v1/role_sets/role_set:support", json={"key": "role_set:helpdesk"})
        assert response.status_code == 200
        assert response.json()["key"] == "role_set:helpdesk"
        assert await organization_role_set_key(app, organization_id) == "role_set:helpdesk"
        assert (await client.get("/v1/role_sets/role_set:support")).status_code == 404
        renamed = (await client.get("/v1/role_sets/role_set:helpdesk")).json()
        assert renamed["default_role"]["members_count"] == 1

    async def test_making_a_set_initial_demotes_the_previous_one(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        organization_id = await insert_organization(app, instance)
        await create_role_set(client)
        updated = (await client.patch("/v1/role_sets/role_set:support", json={"type": "initial"})).json()
        assert updated["type"] == "initial"
        listed = (await client.get("/v1/role_sets")).json()["data"]
        assert sorted((s["key"], s["type"]) for s in listed) == [
            ("role_set:default", "custom"),
            ("role_set:support", "initial"),
        ]
        assert await organization_role_set_key(app, organization_id) == "role_set:default"

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param(
                {"default_role_key": "org:guest"}, "form_param_value_invalid", "default_role_key", id="default"
            ),
            pytest.param(
                {"creator_role_key": "org:guest"}, "form_param_value_invalid", "creator_role_key", id="creator"
            ),
            pytest.param(
                {"creator_role_key": "org:member"},
                "organization_missing_creator_role_permissions",
                "creator_role_key",
                id="creator-permissions",
            ),
            pytest.param({"key": "role_set:default"}, "form_identifier_exists", "key", id="key-taken"),
            pytest.param({"key": "role_set:"}, "form_param_value_invalid", "key", id="key-format"),
            pytest.param({"type": "custom"}, "form_param_value_invalid", "type", id="type-custom"),
        ],
    )
    async def test_validation(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        instance: InstanceKeys,
        body: dict[str, Any],
        code: str,
        param: str,
    ) -> None:
        await insert_role(app, instance, "org:guest")
        created = await create_role_set(client)
        response = await client.patch("/v1/role_sets/role_set:support", json=body)
        assert response.status_code == 422, response.text
        assert error_code(response) == code
        assert error_param(response) == param
        assert (await client.get("/v1/role_sets/role_set:support")).json() == created

    async def test_unknown(self, client: httpx.AsyncClient) -> None:
        response = await client.patch("/v1/role_sets/role_set:missing", json={"name": "x"})
        assert response.status_code == 404

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        created = await create_role_set(client)
        response = await other_client.patch(f"/v1/role_sets/{created['id']}", json={"name": "x"})
        assert response.status_code == 404
        assert (await client.get(f"/v1/role_sets/{created['id']}")).json()["name"] == "Support"


class TestReplaceRoleSet:
    async def test_organizations_move_and_members_are_remapped(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, recorded_events: RecordedEvents
    ) -> None:
        await insert_role(app, instance, "org:agent")
        await insert_role(app, instance, "org:viewer")
        source = await create_role_set(client, roles=["org:admin", "org:member", "org:agent"])
        await create_role_set(
            client, key="role_set:target", name="Target", roles=["org:admin", "org:member", "org:viewer"]
        )
        moved = await insert_organization(app, instance, role_set_key="role_set:support")
        untouched = await insert_organization(app, instance)
        admin = await insert_member(app, client, instance, moved, "org:admin")
        agent = await insert_member(app, client, instance, moved, "org:agent")
        bystander = await insert_member(app, client, instance, untouched, "org:member")
        events_before = await recorded_events()
        response = await client.post(
            f"/v1/role_sets/{source['id']}/replace",
            json={"dest_role_set_key": "role_set:target", "reassignment_mappings": {"org:agent": "org:viewer"}},
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"object": "role_set", "id": source["id"], "deleted": True}
        assert (await client.get(f"/v1/role_sets/{source['id']}")).status_code == 404
        assert await organization_role_set_key(app, moved) == "role_set:target"
        assert await organization_role_set_key(app, untouched) is None
        assert await member_roles(app, moved) == {admin: "org:admin", agent: "org:viewer"}
        assert await member_roles(app, untouched) == {bystander: "org:member"}
        target = (await client.get("/v1/role_sets/role_set:target")).json()
        assert {r["key"]: r["members_count"] for r in target["roles"]} == {
            "org:admin": 1,
            "org:member": 0,
            "org:viewer": 1,
        }
        assert await recorded_events() == events_before

    async def test_a_mapping_applies_even_when_the_destination_has_the_role(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await create_role_set(client)
        await create_role_set(client, key="role_set:target", name="Target")
        organization_id = await insert_organization(app, instance, role_set_key="role_set:support")
        user_id = await insert_member(app, client, instance, organization_id, "org:member")
        response = await client.post(
            "/v1/role_sets/role_set:support/replace",
            json={"dest_role_set_key": "role_set:target", "reassignment_mappings": {"org:member": "org:admin"}},
        )
        assert response.status_code == 200
        assert await member_roles(app, organization_id) == {user_id: "org:admin"}

    async def test_replacing_the_initial_set_makes_the_destination_initial(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await create_role_set(client)
        organization_id = await insert_organization(app, instance)
        user_id = await insert_member(app, client, instance, organization_id, "org:member")
        response = await client.post(
            "/v1/role_sets/role_set:default/replace", json={"dest_role_set_key": "role_set:support"}
        )
        assert response.status_code == 200, response.text
        support = (await client.get("/v1/role_sets/role_set:support")).json()
        assert support["type"] == "initial"
        assert support["default_role"]["members_count"] == 1
        assert await member_roles(app, organization_id) == {user_id: "org:member"}
        async with inspection_session(app) as session:
            settings = await session.get_one(OrganizationSettings, instance.instance_id)
            assert settings.initial_role_set_key == "role_set:support"

    async def test_unused_set_needs_no_mappings(self, client: httpx.AsyncClient) -> None:
        await create_role_set(client, roles=["org:admin"], default_role_key="org:admin")
        response = await client.post(
            "/v1/role_sets/role_set:support/replace", json={"dest_role_set_key": "role_set:default"}
        )
        assert response.status_code == 200
        assert (await client.get("/v1/role_sets")).json()["total_count"] == 1

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({}, "form_param_missing", "dest_role_set_key", id="no-destination"),
            pytest.param(
                {"dest_role_set_key": "role_set:nope"}, "form_param_value_invalid", "dest_role_set_key", id="unknown"
            ),
            pytest.param(
                {"dest_role_set_key": "role_set:support"}, "form_param_value_invalid", "dest_role_set_key", id="itself"
            ),
            pytest.param(
                {"dest_role_set_key": "role_set:default"}, "form_param_missing", "reassignment_mappings", id="unmapped"
            ),
            pytest.param(
                {"dest_role_set_key": "role_set:default", "reassignment_mappings": {"org:admin": "org:member"}},
                "form_param_value_invalid",
                "reassignment_mappings",
                id="held-role-left-unmapped",
            ),
            pytest.param(
                {"dest_role_set_key": "role_set:default", "reassignment_mappings": {"org:agent": "org:agent"}},
                "form_param_value_invalid",
                "reassignment_mappings",
                id="mapped-to-role-outside-destination",
            ),
            pytest.param(
                {"dest_role_set_key": "role_set:default", "reassignment_mappings": {"org:nope": "org:member"}},
                "form_param_value_invalid",
                "reassignment_mappings",
                id="mapped-from-role-outside-source",
            ),
        ],
    )
    async def test_validation_changes_nothing(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        instance: InstanceKeys,
        body: dict[str, Any],
        code: str,
        param: str,
    ) -> None:
        await insert_role(app, instance, "org:agent")
        await create_role_set(client, roles=["org:admin", "org:member", "org:agent"])
        organization_id = await insert_organization(app, instance, role_set_key="role_set:support")
        user_id = await insert_member(app, client, instance, organization_id, "org:agent")
        response = await client.post("/v1/role_sets/role_set:support/replace", json=body)
        assert response.status_code == 422, response.text
        assert error_code(response) == code
        assert error_param(response) == param
        assert (await client.get("/v1/role_sets/role_set:support")).status_code == 200
        assert await organization_role_set_key(app, organization_id) == "role_set:support"
        assert await member_roles(app, organization_id) == {user_id: "org:agent"}

    async def test_unknown(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/role_sets/role_set:missing/replace", json={"dest_role_set_key": "role_set:default"}
        )
        assert response.status_code == 404

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        created = await create_role_set(client)
        response = await other_client.post(
            f"/v1/role_sets/{created['id']}/replace", json={"dest_role_set_key": "role_set:default"}
        )
        assert response.status_code == 404
        assert (await client.get(f"/v1/role_sets/{created['id']}")).status_code == 200


class TestAddRolesToRoleSet:
    async def test_adds_roles_and_may_switch_default_and_creator(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await insert_role(app, instance, "org:guest")
        await insert_role(app, instance, "org:owner", permissions=CREATOR_ELIGIBLE)
        await create_role_set(client, roles=["org:admin", "org:member"])
        response = await client.post(
            "/v1/role_sets/role_set:support/roles",
            json={
                "role_keys": ["org:guest", "org:owner"],
                "default_role_key": "org:guest",
                "creator_role_key": "org:owner",
            },
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert role_keys(updated) == ["org:admin", "org:member", "org:guest", "org:owner"]
        assert updated["default_role"]["key"] == "org:guest"
        assert updated["creator_role"]["key"] == "org:owner"
        assert (await client.get("/v1/role_sets/role_set:support")).json() == updated

    async def test_default_and_creator_stay_when_not_given(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await insert_role(app, instance, "org:guest")
        updated = (await client.post("/v1/role_sets/role_set:default/roles", json={"role_keys": ["org:guest"]})).json()
        assert updated["default_role"]["key"] == "org:member" and updated["creator_role"]["key"] == "org:admin"
        assert role_keys(updated)[-1] == "org:guest"

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({"role_keys": []}, "form_param_min_length_exceeded", "role_keys", id="empty"),
            pytest.param({"role_keys": ["org:nope"]}, "form_param_value_invalid", "role_keys", id="unknown-role"),
            pytest.param({"role_keys": ["org:member"]}, "form_param_value_invalid", "role_keys", id="already-in-set"),
            pytest.param(
                {"role_keys": ["org:guest"], "creator_role_key": "org:guest"},
                "organization_missing_creator_role_permissions",
                "creator_role_key",
                id="creator-permissions",
            ),
            pytest.param(
                {"role_keys": ["org:guest"], "default_role_key": "org:other"},
                "form_param_value_invalid",
                "default_role_key",
                id="default-outside-set",
            ),
        ],
    )
    async def test_validation(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        instance: InstanceKeys,
        body: dict[str, Any],
        code: str,
        param: str,
    ) -> None:
        await insert_role(app, instance, "org:guest")
        before = (await client.get("/v1/role_sets/role_set:default")).json()
        response = await client.post("/v1/role_sets/role_set:default/roles", json=body)
        assert response.status_code == 422, response.text
        assert error_code(response) == code
        assert error_param(response) == param
        assert (await client.get("/v1/role_sets/role_set:default")).json() == before

    async def test_unknown(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/role_sets/role_set:missing/roles", json={"role_keys": ["org:admin"]})
        assert response.status_code == 404

    async def test_other_instance(
        self, app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await insert_role(app, instance, "org:guest")
        created = await create_role_set(client)
        response = await other_client.post(f"/v1/role_sets/{created['id']}/roles", json={"role_keys": ["org:admin"]})
        assert response.status_code == 404


class TestReplaceRoleInRoleSet:
    async def test_members_get_the_new_role_in_organizations_using_the_set(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await insert_role(app, instance, "org:guest")
        await create_role_set(client, roles=["org:admin", "org:member", "org:guest"])
        using = await insert_organization(app, instance, role_set_key="role_set:support")
        elsewhere = await insert_organization(app, instance)
        member = await insert_member(app, client, instance, using, "org:member")
        admin = await insert_member(app, client, instance, using, "org:admin")
        other_member = await insert_member(app, client, instance, elsewhere, "org:member")
        response = await client.post(
            "/v1/role_sets/role_set:support/roles/replace", json={"role_key": "org:member", "to_role_key": "org:guest"}
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert role_keys(updated) == ["org:admin", "org:guest"]
        assert updated["default_role"]["key"] == "org:guest"
        assert {r["key"]: r["members_count"] for r in updated["roles"]} == {"org:admin": 1, "org:guest": 1}
        assert await member_roles(app, using) == {member: "org:guest", admin: "org:admin"}
        assert await member_roles(app, elsewhere) == {other_member: "org:member"}

    async def test_a_role_outside_the_set_takes_the_replaced_ones_place(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        await insert_role(app, instance, "org:owner", permissions=CREATOR_ELIGIBLE)
        organization_id = await insert_organization(app, instance)
        admin = await insert_member(app, client, instance, organization_id, "org:admin")
        updated = (
            await client.post(
                "/v1/role_sets/role_set:default/roles/replace",
                json={"role_key": "org:admin", "to_role_key": "org:owner"},
            )
        ).json()
        assert sorted(role_keys(updated)) == ["org:member", "org:owner"]
        assert updated["creator_role"]["key"] == "org:owner"
        assert await member_roles(app, organization_id) == {admin: "org:owner"}

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param(
                {"role_key": "org:guest", "to_role_key": "org:member"},
                "form_param_value_invalid",
                "role_key",
                id="not-in-set",
            ),
            pytest.param(
                {"role_key": "org:member", "to_role_key": "org:nope"},
                "form_param_value_invalid",
                "to_role_key",
                id="unknown",
            ),
            pytest.param(
                {"role_key": "org:member", "to_role_key": "org:member"},
                "form_param_value_invalid",
                "to_role_key",
                id="same",
            ),
            pytest.param(
                {"role_key": "org:admin", "to_role_key": "org:guest"},
                "organization_missing_creator_role_permissions",
                "to_role_key",
                id="creator-permissions",
            ),
            pytest.param({"role_key": "org:member"}, "form_param_missing", "to_role_key", id="missing"),
        ],
    )
    async def test_validation_changes_nothing(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        instance: InstanceKeys,
        body: dict[str, Any],
        code: str,
        param: str,
    ) -> None:
        await insert_role(app, instance, "org:guest")
        organization_id = await insert_organization(app, instance)
        admin = await insert_member(app, client, instance, organization_id, "org:admin")
        before = (await client.get("/v1/role_sets/role_set:default")).json()
        response = await client.post("/v1/role_sets/role_set:default/roles/replace", json=body)
        assert response.status_code == 422, response.text
        assert error_code(response) == code
        assert error_param(response) == param
        assert (await client.get("/v1/role_sets/role_set:default")).json() == before
        assert await member_roles(app, organization_id) == {admin: "org:admin"}

    async def test_unknown(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/role_sets/role_set:missing/roles/replace", json={"role_key": "org:member", "to_role_key": "org:admin"}
        )
        assert response.status_code == 404

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        created = await create_role_set(client)
        response = await other_client.post(
            f"/v1/role_sets/{created['id']}/roles/replace", json={"role_key": "org:member", "to_role_key": "org:admin"}
        )
        assert response.status_code == 404
        assert role_keys((await client.get(f"/v1/role_sets/{created['id']}")).json()) == ["org:admin", "org:member"]
