"""Organization Permissions operations: system permissions every instance starts with, custom
permission CRUD, key rules, and system permissions that can't be changed."""

import itertools
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from locum.instances.organization_defaults import SYSTEM_PERMISSIONS
from locum.instances.service import InstanceKeys
from tests.builders import error_code, set_organization_settings
from tests.conftest import RecordedEvents

_sequence = itertools.count(1)


def unique_permission_key(feature: str = "feature") -> str:
    return f"org:{feature}{next(_sequence)}:manage"


async def create_permission(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    body.setdefault("key", unique_permission_key())
    body.setdefault("name", f"Permission {body['key']}")
    response = await client.post("/v1/organization_permissions", json=body)
    assert response.status_code == 200, response.text
    permission: dict[str, Any] = response.json()
    return permission


async def system_permission(client: httpx.AsyncClient, key: str = "org:sys_profile:manage") -> dict[str, Any]:
    response = await client.get("/v1/organization_permissions", params={"query": key})
    found: dict[str, Any] = response.json()["data"][0]
    assert found["key"] == key
    return found


class TestListOrganizationPermissions:
    async def test_a_new_instance_has_the_system_permissions(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/organization_permissions", params={"limit": 50})
        assert response.status_code == 200
        body = response.json()
        assert body["total_count"] == len(SYSTEM_PERMISSIONS)
        assert {p["key"]: p["name"] for p in body["data"]} == SYSTEM_PERMISSIONS
        assert {p["type"] for p in body["data"]} == {"system"}

    async def test_the_system_permissions_are_never_newer_than_one_created_after_them(
        self, frozen_clock: int, client: httpx.AsyncClient
    ) -> None:
        # The instance (and its system permissions) and the permission made in the same millisecond.
        created = await create_permission(client)
        listed = (await client.get("/v1/organization_permissions", params={"limit": 50})).json()["data"]
        system = [permission["created_at"] for permission in listed if permission["type"] == "system"]
        assert system == sorted(system, reverse=True)
        assert max(system) <= created["created_at"]

    async def test_newest_first_by_default_and_paginated(self, client: httpx.AsyncClient) -> None:
        first = await create_permission(client)
        second = await create_permission(client)
        page = (await client.get("/v1/organization_permissions", params={"limit": 2})).json()
        assert [p["id"] for p in page["data"]] == [second["id"], first["id"]]
        assert page["total_count"] == len(SYSTEM_PERMISSIONS) + 2
        rest = (await client.get("/v1/organization_permissions", params={"limit": 2, "offset": 2})).json()
        assert {p["type"] for p in rest["data"]} == {"system"}

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            pytest.param("key", ["org:aaa:read", "org:bbb:read"], id="key-ascending"),
            pytest.param("-name", ["org:aaa:read", "org:bbb:read"], id="name-descending"),
        ],
    )
    async def test_order_by(self, client: httpx.AsyncClient, order_by: str, expected: list[str]) -> None:
        await create_permission(client, key="org:bbb:read", name="Alpha")
        await create_permission(client, key="org:aaa:read", name="Beta")
        response = await client.get(
            "/v1/organization_permissions", params={"order_by": order_by, "query": "read", "limit": 50}
        )
        keys = [p["key"] for p in response.json()["data"] if not p["key"].startswith("org:sys_")]
        assert keys == expected

    async def test_query_matches_exact_id_or_part_of_name_or_key(self, client: httpx.AsyncClient) -> None:
        invoices = await create_permission(client, key="org:invoices:read", name="Read invoices")
        await create_permission(client, key="org:reports:read", name="Read reports")
        for query in (invoices["id"], "INVOICES", "Read inv"):
            body = (await client.get("/v1/organization_permissions", params={"query": query})).json()
            assert [p["id"] for p in body["data"]] == [invoices["id"]], query
            assert body["total_count"] == 1

    async def test_query_treats_like_wildcards_literally(self, client: httpx.AsyncClient) -> None:
        await create_permission(client, key="org:abc:read")
        body = (await client.get("/v1/organization_permissions", params={"query": "a%c"})).json()
        assert body == {"data": [], "total_count": 0}

    async def test_unknown_order_by_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/organization_permissions", params={"order_by": "type"})
        assert response.status_code == 422 and error_code(response) == "form_param_value_invalid"

    async def test_another_instance_sees_only_its_own(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await create_permission(client)
        body = (await other_client.get("/v1/organization_permissions")).json()
        assert body["total_count"] == len(SYSTEM_PERMISSIONS)


class TestCreateOrganizationPermission:
    async def test_creates_a_user_permission_and_records_the_event(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        response = await client.post(
            "/v1/organization_permissions",
            json={"name": "Manage invoices", "key": "org:invoices:manage", "description": "Edit invoices"},
        )
        assert response.status_code == 200
        permission = response.json()
        assert permission["object"] == "permission" and permission["id"].startswith("perm_")
        assert (permission["name"], permission["key"], permission["description"], permission["type"]) == (
            "Manage invoices",
            "org:invoices:manage",
            "Edit invoices",
            "user",
        )
        assert permission["created_at"] == permission["updated_at"]
        assert await recorded_events() == [("permission.created", permission)]

    async def test_description_defaults_to_empty(self, client: httpx.AsyncClient) -> None:
        permission = await create_permission(client)
        assert permission["description"] == ""

    @pytest.mark.parametrize(
        ("key", "code"),
        [
            pytest.param("org:invoices", "form_param_format_invalid", id="no-action"),
            pytest.param("invoices:read", "form_param_format_invalid", id="no-prefix"),
            pytest.param("org:Invoices:read", "form_param_format_invalid", id="uppercase"),
            pytest.param("org:in-voices:read", "form_param_format_invalid", id="dash"),
            pytest.param("org:a:b:c", "form_param_format_invalid", id="three-segments"),
            pytest.param("org:sys_invoices:read", "form_param_value_invalid", id="reserved-prefix"),
        ],
    )
    async def test_rejects_invalid_keys(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents, key: str, code: str
    ) -> None:
        response = await client.post("/v1/organization_permissions", json={"name": "Bad", "key": key})
        assert response.status_code == 422
        assert error_code(response) == code
        assert response.json()["errors"][0]["meta"] == {"param_name": "key"}
        assert await recorded_events() == []

    async def test_duplicate_key_is_form_identifier_exists(self, client: httpx.AsyncClient) -> None:
        existing = await create_permission(client)
        response = await client.post("/v1/organization_permissions", json={"name": "Again", "key": existing["key"]})
        assert response.status_code == 422 and error_code(response) == "form_identifier_exists"

    async def test_the_same_key_in_another_instance_is_fine(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        existing = await create_permission(client)
        await create_permission(other_client, key=existing["key"])

    @pytest.mark.parametrize(
        ("body", "param"),
        [
            pytest.param({"key": "org:a:b"}, "name", id="name"),
            pytest.param({"name": "A"}, "key", id="key"),
        ],
    )
    async def test_missing_fields_are_422(self, client: httpx.AsyncClient, body: dict[str, str], param: str) -> None:
        response = await client.post("/v1/organization_permissions", json=body)
        assert response.status_code == 422 and error_code(response) == "form_param_missing"
        assert response.json()["errors"][0]["meta"] == {"param_name": param}

    async def test_unknown_field_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/organization_permissions", json={"name": "A", "key": "org:a:b", "type": "system"}
        )
        assert response.status_code == 422 and error_code(response) == "form_param_unknown"


class TestGetOrganizationPermission:
    async def test_returns_the_permission(self, client: httpx.AsyncClient) -> None:
        permission = await create_permission(client)
        response = await client.get(f"/v1/organization_permissions/{permission['id']}")
        assert response.status_code == 200 and response.json() == permission

    async def test_unknown_id_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/organization_permissions/perm_missing")
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_another_instances_permission_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        permission = await create_permission(client)
        response = await other_client.get(f"/v1/organization_permissions/{permission['id']}")
        assert response.status_code == 404


class TestUpdateOrganizationPermission:
    async def test_updates_given_fields_and_records_the_event(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        permission = await create_permission(client, description="Old")
        response = await client.patch(
            f"/v1/organization_permissions/{permission['id']}", json={"name": "Renamed", "key": "org:renamed:read"}
        )
        assert response.status_code == 200
        updated = response.json()
        assert (updated["name"], updated["key"], updated["description"]) == ("Renamed", "org:renamed:read", "Old")
        assert updated["updated_at"] >= permission["updated_at"]
        assert (await client.get(f"/v1/organization_permissions/{permission['id']}")).json() == updated
        assert (await recorded_events())[-1] == ("permission.updated", updated)

    async def test_system_permissions_are_not_modifiable(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        system = await system_permission(client)
        response = await client.patch(f"/v1/organization_permissions/{system['id']}", json={"name": "Mine"})
        assert response.status_code == 403
        assert error_code(response) == "organization_system_permission_not_modifiable"
        assert await recorded_events() == []

    async def test_key_rules_apply(self, client: httpx.AsyncClient) -> None:
        first, second = await create_permission(client), await create_permission(client)
        taken = await client.patch(f"/v1/organization_permissions/{second['id']}", json={"key": first["key"]})
        assert taken.status_code == 422 and error_code(taken) == "form_identifier_exists"
        reserved = await client.patch(f"/v1/organization_permissions/{second['id']}", json={"key": "org:sys_x:read"})
        assert reserved.status_code == 422 and error_code(reserved) == "form_param_value_invalid"

    async def test_keeping_its_own_key_is_fine(self, client: httpx.AsyncClient) -> None:
        permission = await create_permission(client)
        response = await client.patch(
            f"/v1/organization_permissions/{permission['id']}", json={"key": permission["key"]}
        )
        assert response.status_code == 200

    async def test_another_instances_permission_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        permission = await create_permission(client)
        response = await other_client.patch(f"/v1/organization_permissions/{permission['id']}", json={"name": "X"})
        assert response.status_code == 404


class TestDeleteOrganizationPermission:
    async def test_deletes_and_roles_lose_it(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        permission = await create_permission(client)
        role = await client.post(
            "/v1/organization_roles", json={"name": "Auditor", "key": "org:auditor", "permissions": [permission["id"]]}
        )
        response = await client.delete(f"/v1/organization_permissions/{permission['id']}")
        assert response.status_code == 200
        deleted = {"object": "permission", "id": permission["id"], "deleted": True}
        assert response.json() == deleted
        assert (await client.get(f"/v1/organization_permissions/{permission['id']}")).status_code == 404
        assert (await client.get(f"/v1/organization_roles/{role.json()['id']}")).json()["permissions"] == []
        assert (await recorded_events())[-1] == ("permission.deleted", deleted)

    async def test_system_permissions_are_not_deletable(self, client: httpx.AsyncClient) -> None:
        system = await system_permission(client)
        response = await client.delete(f"/v1/organization_permissions/{system['id']}")
        assert response.status_code == 403
        assert error_code(response) == "organization_system_permission_not_modifiable"

    async def test_unknown_id_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/v1/organization_permissions/perm_missing")
        assert response.status_code == 404

    async def test_another_instances_permission_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        permission = await create_permission(client)
        assert (await other_client.delete(f"/v1/organization_permissions/{permission['id']}")).status_code == 404
        assert (await client.get(f"/v1/organization_permissions/{permission['id']}")).status_code == 200

    async def test_organizations_disabled_is_403(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        permission = await create_permission(client)
        await set_organization_settings(app, instance.instance_id, enabled=False)
        response = await client.delete(f"/v1/organization_permissions/{permission['id']}")
        assert response.status_code == 403 and error_code(response) == "organization_not_enabled_in_instance"
