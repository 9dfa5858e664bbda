"""Organization Roles operations: the default roles, role CRUD, key rules, the quota, the creator
role's required permissions, what blocks a deletion, and assigning/removing permissions."""

import itertools
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
    OrganizationSettings,
    Role,
    RoleSet,
)
from locum.instances.organization_defaults import CREATOR_PERMISSIONS, INITIAL_ROLE_SET_KEY, SYSTEM_PERMISSIONS
from locum.instances.service import InstanceKeys
from locum.kit.ids import new_id
from tests.api.test_organization_permissions import create_permission
from tests.builders import error_code, inspection_session, make_user, set_organization_settings
from tests.conftest import RecordedEvents

_sequence = itertools.count(1)


async def create_role(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    body.setdefault("key", f"org:role{next(_sequence)}")
    body.setdefault("name", f"Role {body['key']}")
    response = await client.post("/v1/organization_roles", json=body)
    assert response.status_code == 200, response.text
    role: dict[str, Any] = response.json()
    return role


async def role_by_key(client: httpx.AsyncClient, key: str) -> dict[str, Any]:
    roles = (await client.get("/v1/organization_roles", params={"query": key})).json()["data"]
    role: dict[str, Any] = next(r for r in roles if r["key"] == key)
    return role


async def settings_of(app: FastAPI, instance: InstanceKeys) -> OrganizationSettings:
    async with inspection_session(app) as session:
        settings: OrganizationSettings = await session.get_one(OrganizationSettings, instance.instance_id)
        return settings


async def new_organization(app: FastAPI, instance: InstanceKeys) -> str:
    organization_id = new_id("organization")
    async with inspection_session(app) as session:
        session.add(
            Organization(id=organization_id, instance_id=instance.instance_id, name="Acme", slug=organization_id)
        )
        await session.commit()
    return organization_id


def permission_keys(role: dict[str, Any]) -> list[str]:
    return [p["key"] for p in role["permissions"]]


class TestListOrganizationRoles:
    async def test_a_new_instance_has_admin_and_member(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/organization_roles")
        assert response.status_code == 200
        body = response.json()
        assert body["total_count"] == 2
        roles = {role["key"]: role for role in body["data"]}
        admin, member = roles["org:admin"], roles["org:member"]
        assert sorted(permission_keys(admin)) == sorted(SYSTEM_PERMISSIONS)
        assert admin["is_creator_eligible"] is True and admin["name"] == "Admin"
        assert sorted(permission_keys(member)) == ["org:sys_billing:read", "org:sys_memberships:read"]
        assert member["is_creator_eligible"] is False
        assert {p["object"] for p in admin["permissions"]} == {"permission"}

    async def test_newest_first_by_default_and_paginated(self, client: httpx.AsyncClient) -> None:
        first, second = await create_role(client), await create_role(client)
        page = (await client.get("/v1/organization_roles", params={"limit": 2})).json()
        assert [r["id"] for r in page["data"]] == [second["id"], first["id"]]
        assert page["total_count"] == 4
        rest = (await client.get("/v1/organization_roles", params={"limit": 2, "offset": 2})).json()
        assert {r["key"] for r in rest["data"]} == {"org:admin", "org:member"}

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            pytest.param("key", ["org:admin", "org:member", "org:zeta"], id="key"),
            pytest.param("+name", ["org:zeta", "org:admin", "org:member"], id="name"),
            pytest.param("-key", ["org:zeta", "org:member", "org:admin"], id="key-descending"),
        ],
    )
    async def test_order_by(self, client: httpx.AsyncClient, order_by: str, expected: list[str]) -> None:
        await create_role(client, key="org:zeta", name="A zeta role")
        response = await client.get("/v1/organization_roles", params={"order_by": order_by})
        assert [r["key"] for r in response.json()["data"]] == expected

    async def test_order_by_created_at_ascending(self, client: httpx.AsyncClient) -> None:
        newest = await create_role(client)
        response = await client.get("/v1/organization_roles", params={"order_by": "created_at"})
        assert response.json()["data"][-1]["id"] == newest["id"]

    async def test_query_matches_exact_id_or_part_of_name_or_key(self, client: httpx.AsyncClient) -> None:
        billing = await create_role(client, key="org:billing_team", name="Billing team")
        for query in (billing["id"], "BILLING_", "ling te"):
            body = (await client.get("/v1/organization_roles", params={"query": query})).json()
            assert [r["id"] for r in body["data"]] == [billing["id"]], query
            assert body["total_count"] == 1

    async def test_invalid_parameters_are_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/organization_roles", params={"order_by": "-id"})).status_code == 422
        assert (await client.get("/v1/organization_roles", params={"limit": 501})).status_code == 422

    async def test_another_instance_sees_only_its_own(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await create_role(client)
        assert (await other_client.get("/v1/organization_roles")).json()["total_count"] == 2

    async def test_organizations_disabled_is_403(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        await set_organization_settings(app, instance.instance_id, enabled=False)
        response = await client.get("/v1/organization_roles")
        assert response.status_code == 403 and error_code(response) == "organization_not_enabled_in_instance"


class TestCreateOrganizationRole:
    async def test_creates_a_role_with_permissions_and_records_the_event(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        invoices = await create_permission(client, key="org:invoices:read")
        response = await client.post(
            "/v1/organization_roles",
            json={
                "name": "Accountant",
                "key": "org:accountant",
                "description": "Books",
                "permissions": [invoices["id"], invoices["id"]],
            },
        )
        assert response.status_code == 200
        role = response.json()
        assert role["object"] == "role" and role["id"].startswith("role_")
        assert (role["name"], role["key"], role["description"]) == ("Accountant", "org:accountant", "Books")
        assert role["permissions"] == [invoices] and role["is_creator_eligible"] is False
        assert (await recorded_events())[-1] == ("role.created", role)
        assert (await client.get(f"/v1/organization_roles/{role['id']}")).json() == role

    async def test_holding_the_creator_permissions_makes_it_creator_eligible(self, client: httpx.AsyncClient) -> None:
        permissions = (await client.get("/v1/organization_permissions", params={"limit": 50})).json()["data"]
        ids = [p["id"] for p in permissions if p["key"] in CREATOR_PERMISSIONS]
        role = await create_role(client, permissions=ids)
        assert role["is_creator_eligible"] is True and role["description"] is None

    async def test_include_in_initial_role_set(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        included = await create_role(client, include_in_initial_role_set=True)
        excluded = await create_role(client)
        async with inspection_session(app) as session:
            role_set = await session.scalar(
                select(RoleSet)
                .where(RoleSet.key == INITIAL_ROLE_SET_KEY)
                .join(RoleSet.roles)
                .where(Role.id == included["id"])
            )
            assert role_set is not None
            excluded_set = await session.scalar(select(RoleSet.id).join(RoleSet.roles).where(Role.id == excluded["id"]))
            assert excluded_set is None

    @pytest.mark.parametrize(
        "key",
        [
            pytest.param("admin2", id="no-prefix"),
            pytest.param("org:", id="empty-name"),
            pytest.param("org:Admin2", id="uppercase"),
            pytest.param("org:team-lead", id="dash"),
            pytest.param("org:team:lead", id="colon"),
        ],
    )
    async def test_rejects_invalid_keys(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents, key: str
    ) -> None:
        response = await client.post("/v1/organization_roles", json={"name": "Bad", "key": key})
        assert response.status_code == 422 and error_code(response) == "form_param_format_invalid"
        assert response.json()["errors"][0]["meta"] == {"param_name": "key"}
        assert await recorded_events() == []

    async def test_duplicate_key_is_form_identifier_exists(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/organization_roles", json={"name": "Admin again", "key": "org:admin"})
        assert response.status_code == 422 and error_code(response) == "form_identifier_exists"

    async def test_unknown_or_foreign_permission_id_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        foreign = await create_permission(other_client)
        for permission_id in ("perm_missing", foreign["id"]):
            response = await client.post(
                "/v1/organization_roles", json={"name": "X", "key": "org:x", "permissions": [permission_id]}
            )
            assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_missing_name_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/organization_roles", json={"key": "org:x"})
        assert response.status_code == 422 and error_code(response) == "form_param_missing"

    async def test_the_instance_role_quota_applies(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        await set_organization_settings(app, instance.instance_id, max_allowed_roles=3)
        await create_role(client)
        response = await client.post("/v1/organization_roles", json={"name": "Fourth", "key": "org:fourth"})
        assert response.status_code == 403 and error_code(response) == "organization_instance_roles_quota_exceeded"
        assert [event for event, _ in await recorded_events()] == ["role.created"]

    async def test_organizations_disabled_is_403(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        await set_organization_settings(app, instance.instance_id, enabled=False)
        response = await client.post("/v1/organization_roles", json={"name": "X", "key": "org:x"})
        assert response.status_code == 403 and error_code(response) == "organization_not_enabled_in_instance"


class TestGetOrganizationRole:
    async def test_returns_the_role(self, client: httpx.AsyncClient) -> None:
        admin = await role_by_key(client, "org:admin")
        response = await client.get(f"/v1/organization_roles/{admin['id']}")
        assert response.status_code == 200 and response.json() == admin

    async def test_unknown_id_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/organization_roles/role_missing")
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_another_instances_role_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        role = await create_role(client)
        assert (await other_client.get(f"/v1/organization_roles/{role['id']}")).status_code == 404


class TestUpdateOrganizationRole:
    async def test_updates_given_fields_and_records_the_event(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        first, second = await create_permission(client), await create_permission(client)
        role = await create_role(client, description="Old", permissions=[first["id"]])
        response = await client.patch(
            f"/v1/organization_roles/{role['id']}",
            json={"name": "Renamed", "key": "org:renamed", "permissions": [second["id"]]},
        )
        assert response.status_code == 200
        updated = response.json()
        assert (updated["name"], updated["key"], updated["description"]) == ("Renamed", "org:renamed", "Old")
        assert updated["permissions"] == [second]
        assert (await client.get(f"/v1/organization_roles/{role['id']}")).json() == updated
        assert (await recorded_events())[-1] == ("role.updated", updated)

    async def test_an_empty_permission_list_clears_them(self, client: httpx.AsyncClient) -> None:
        role = await create_role(client, permissions=[(await create_permission(client))["id"]])
        response = await client.patch(f"/v1/organization_roles/{role['id']}", json={"permissions": []})
        assert response.json()["permissions"] == []

    async def test_new_keys_carry_over_to_the_settings(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        admin, member = await role_by_key(client, "org:admin"), await role_by_key(client, "org:member")
        await client.patch(f"/v1/organization_roles/{admin['id']}", json={"key": "org:owner"})
        await client.patch(f"/v1/organization_roles/{member['id']}", json={"key": "org:staff"})
        settings = await settings_of(app, instance)
        assert (settings.creator_role_key, settings.domains_default_role_key) == ("org:owner", "org:staff")

    async def test_the_creator_role_keeps_the_creator_permissions(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        admin = await role_by_key(client, "org:admin")
        read_only = [p["id"] for p in admin["permissions"] if p["key"] == "org:sys_memberships:read"]
        response = await client.patch(f"/v1/organization_roles/{admin['id']}", json={"permissions": read_only})
        assert response.status_code == 422 and error_code(response) == "organization_missing_creator_role_permissions"
        assert await recorded_events() == []

    async def test_duplicate_or_invalid_key_is_422(self, client: httpx.AsyncClient) -> None:
        role = await create_role(client)
        taken = await client.patch(f"/v1/organization_roles/{role['id']}", json={"key": "org:member"})
        assert taken.status_code == 422 and error_code(taken) == "form_identifier_exists"
        invalid = await client.patch(f"/v1/organization_roles/{role['id']}", json={"key": "member"})
        assert invalid.status_code == 422 and error_code(invalid) == "form_param_format_invalid"

    async def test_another_instances_role_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        role = await create_role(client)
        response = await other_client.patch(f"/v1/organization_roles/{role['id']}", json={"name": "X"})
        assert response.status_code == 404


class TestDeleteOrganizationRole:
    async def test_deletes_and_records_the_event(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        role = await create_role(client, include_in_initial_role_set=True)
        response = await client.delete(f"/v1/organization_roles/{role['id']}")
        assert response.status_code == 200
        deleted = {"object": "role", "id": role["id"], "deleted": True}
        assert response.json() == deleted
        assert (await client.get(f"/v1/organization_roles/{role['id']}")).status_code == 404
        assert (await recorded_events())[-1] == ("role.deleted", deleted)

    @pytest.mark.parametrize(
        ("key", "code"),
        [
            pytest.param("org:admin", "organization_role_default_creator_role", id="creator-role"),
            pytest.param("org:member", "organization_role_domain_default_role", id="domain-default-role"),
        ],
    )
    async def test_roles_the_settings_name_are_kept(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents, key: str, code: str
    ) -> None:
        role = await role_by_key(client, key)
        response = await client.delete(f"/v1/organization_roles/{role['id']}")
        assert response.status_code == 422 and error_code(response) == code
        assert await recorded_events() == []

    async def test_a_role_members_hold_is_kept(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        role = await create_role(client)
        user = await make_user(client)
        organization_id = await new_organization(app, instance)
        async with inspection_session(app) as session:
            session.add(
                OrganizationMembership(
                    id=new_id("organization_membership"),
                    instance_id=instance.instance_id,
                    organization_id=organization_id,
                    user_id=user["id"],
                    role_id=role["id"],
                )
            )
            await session.commit()
        response = await client.delete(f"/v1/organization_roles/{role['id']}")
        assert response.status_code == 422 and error_code(response) == "organization_role_assigned_members"

    async def test_a_role_invitations_name_is_kept(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        role = await create_role(client)
        organization_id = await new_organization(app, instance)
        async with inspection_session(app) as session:
            session.add(
                OrganizationInvitation(
                    id=new_id("organization_invitation"),
                    instance_id=instance.instance_id,
                    organization_id=organization_id,
                    email_address="invitee@example.com",
                    email_address_normalized="invitee@example.com",
                    role_id=role["id"],
                )
            )
            await session.commit()
        response = await client.delete(f"/v1/organization_roles/{role['id']}")
        assert response.status_code == 422 and error_code(response) == "organization_role_exists_in_invitations"

    async def test_unknown_id_is_404(self, client: httpx.AsyncClient) -> None:
        assert (await client.delete("/v1/organization_roles/role_missing")).status_code == 404

    async def test_another_instances_role_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        role = await create_role(client)
        assert (await other_client.delete(f"/v1/organization_roles/{role['id']}")).status_code == 404
        assert (await client.get(f"/v1/organization_roles/{role['id']}")).status_code == 200


class TestAssignPermissionToOrganizationRole:
    async def test_assigns_and_records_the_event(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        role, permission = await create_role(client), await create_permission(client)
        response = await client.post(f"/v1/organization_roles/{role['id']}/permissions/{permission['id']}")
        assert response.status_code == 200
        updated = response.json()
        assert updated["permissions"] == [permission]
        assert (await client.get(f"/v1/organization_roles/{role['id']}")).json() == updated
        assert (await recorded_events())[-1] == ("role.updated", updated)

    async def test_assigning_twice_is_409(self, client: httpx.AsyncClient) -> None:
        permission = await create_permission(client)
        role = await create_role(client, permissions=[permission["id"]])
        response = await client.post(f"/v1/organization_roles/{role['id']}/permissions/{permission['id']}")
        assert response.status_code == 409
        assert error_code(response) == "organization_role_permission_association_exists"

    async def test_unknown_role_or_permission_is_404(self, client: httpx.AsyncClient) -> None:
        role, permission = await create_role(client), await create_permission(client)
        missing_permission = await client.post(f"/v1/organization_roles/{role['id']}/permissions/perm_missing")
        missing_role = await client.post(f"/v1/organization_roles/role_missing/permissions/{permission['id']}")
        assert (missing_permission.status_code, missing_role.status_code) == (404, 404)

    async def test_another_instances_ids_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        role, permission = await create_role(client), await create_permission(client)
        foreign_permission = await create_permission(other_client)
        response = await client.post(f"/v1/organization_roles/{role['id']}/permissions/{foreign_permission['id']}")
        assert response.status_code == 404
        response = await other_client.post(f"/v1/organization_roles/{role['id']}/permissions/{permission['id']}")
        assert response.status_code == 404


class TestRemovePermissionFromOrganizationRole:
    async def test_removes_and_records_the_event(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        kept, removed = await create_permission(client), await create_permission(client)
        role = await create_role(client, permissions=[kept["id"], removed["id"]])
        response = await client.delete(f"/v1/organization_roles/{role['id']}/permissions/{removed['id']}")
        assert response.status_code == 200
        updated = response.json()
        assert updated["permissions"] == [kept]
        assert (await recorded_events())[-1] == ("role.updated", updated)

    async def test_a_permission_the_role_lacks_is_404(self, client: httpx.AsyncClient) -> None:
        role, permission = await create_role(client), await create_permission(client)
        response = await client.delete(f"/v1/organization_roles/{role['id']}/permissions/{permission['id']}")
        assert response.status_code == 404
        assert error_code(response) == "organization_role_permission_association_not_found"

    async def test_the_creator_role_keeps_the_creator_permissions(self, client: httpx.AsyncClient) -> None:
        admin = await role_by_key(client, "org:admin")
        delete = next(p for p in admin["permissions"] if p["key"] == "org:sys_profile:delete")
        response = await client.delete(f"/v1/organization_roles/{admin['id']}/permissions/{delete['id']}")
        assert response.status_code == 422 and error_code(response) == "organization_missing_creator_role_permissions"
        other = next(p for p in admin["permissions"] if p["key"] == "org:sys_billing:manage")
        response = await client.delete(f"/v1/organization_roles/{admin['id']}/permissions/{other['id']}")
        assert response.status_code == 200 and response.json()["is_creator_eligible"] is True

    async def test_another_instances_role_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        permission = await create_permission(client)
        role = await create_role(client, permissions=[permission["id"]])
        response = await other_client.delete(f"/v1/organization_roles/{role['id']}/permissions/{permission['id']}")
        assert response.status_code == 404
