"""SCIM directories: an enterprise connection's provisioning endpoint, its bearer token shown once,
its attribute mapping merged on update, its group-role mappings naming the instance's roles."""

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select

from locum.db.models import Directory, DirectoryGroupRoleMapping, EnterpriseConnection, Role
from locum.instances.service import InstanceKeys
from locum.kit import clock
from locum.kit.keys import secret_digest
from locum.resources.directories.service import DEFAULT_ATTRIBUTE_MAPPING
from tests.builders import clerk_error, inspection_session, make_directory, make_enterprise_connection
from tests.conftest import TEST_ORIGIN, api_client

DIRECTORY_KEYS = {
    "object",
    "id",
    "name",
    "enterprise_connection_id",
    "endpoint_url",
    "provider",
    "enabled",
    "group_role_mapping_enabled",
    "attribute_mapping",
    "custom_attributes",
    "api_key",
    "created_at",
    "updated_at",
}


@pytest.fixture
async def connection_id(client: httpx.AsyncClient) -> str:
    return (await make_enterprise_connection(client, name="Acme Okta"))["id"]


async def stored_mappings(app: FastAPI, directory_id: str) -> list[tuple[str, str, str, int]]:
    """(group id, display name, role key, precedence) of a directory's mappings, by precedence."""
    async with inspection_session(app) as session:
        rows = await session.execute(
            select(
                DirectoryGroupRoleMapping.group_id,
                DirectoryGroupRoleMapping.group_display_name,
                Role.key,
                DirectoryGroupRoleMapping.precedence,
            )
            .join(Role, Role.id == DirectoryGroupRoleMapping.role_id)
            .where(DirectoryGroupRoleMapping.directory_id == directory_id)
            .order_by(DirectoryGroupRoleMapping.precedence)
        )
        return [(group_id, display_name, key, precedence) for group_id, display_name, key, precedence in rows]


async def role_id(app: FastAPI, instance_id: str, key: str) -> str:
    async with inspection_session(app) as session:
        found = await session.scalar(select(Role.id).where(Role.instance_id == instance_id, Role.key == key))
    assert found is not None
    return found


class TestCreateSCIMDirectory:
    async def test_a_directory_of_the_connection_with_its_token_shown_once(
        self, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id)
        assert set(created) == DIRECTORY_KEYS
        assert created["object"] == "scim_directory" and created["id"].startswith("scim_")
        assert created["enterprise_connection_id"] == connection_id and created["provider"] == "okta"
        # Unnamed, it takes its connection's name.
        assert created["name"] == "Acme Okta"
        assert created["endpoint_url"] == f"{TEST_ORIGIN}/scim/v2/{created['id']}"
        assert created["enabled"] is True and created["group_role_mapping_enabled"] is False
        assert created["attribute_mapping"] == DEFAULT_ATTRIBUTE_MAPPING
        assert created["custom_attributes"] == [] and created["created_at"] == created["updated_at"]
        assert created["api_key"].startswith("scim_") and len(created["api_key"]) > 40

        fetched = (await client.get(f"/v1/scim_directories/{created['id']}")).json()
        assert fetched == created | {"api_key": None}

    async def test_the_token_is_stored_only_as_its_digest(
        self, app: FastAPI, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id)
        async with inspection_session(app) as session:
            row = await session.get(Directory, created["id"])
        assert row is not None and row.api_key_digest == secret_digest(created["api_key"])

    async def test_each_directory_gets_its_own_token(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        first = await make_directory(client, (await make_enterprise_connection(client))["id"])
        second = await make_directory(client, (await make_enterprise_connection(client))["id"])
        assert first["api_key"] != second["api_key"] and first["id"] != second["id"]

    async def test_a_given_name_is_kept(self, client: httpx.AsyncClient, connection_id: str) -> None:
        created = await make_directory(client, connection_id, name="Engineering", group_role_mappings=None)
        assert created["name"] == "Engineering" and created["group_role_mapping_enabled"] is False

    async def test_custom_attributes_are_the_connections_with_both_path_names(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        attributes = [
            {"name": "Department", "key": "department", "sso_path": "dept", "scim_path": "title"},
            {"name": "Teams", "key": "teams", "directory_path": "groups", "multi_valued": True},
        ]
        connection = (await make_enterprise_connection(client, custom_attributes=attributes))["id"]
        created = await make_directory(client, connection)
        assert created["custom_attributes"] == [
            {
                "name": "Department",
                "key": "department",
                "sso_path": "dept",
                "scim_path": "title",
                "directory_path": "title",
            },
            {"name": "Teams", "key": "teams", "multi_valued": True, "scim_path": "groups", "directory_path": "groups"},
        ]

    async def test_enterprise_connection_id_and_provider_are_required(
        self, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        response = await client.post("/v1/scim_directories", json={"provider": "okta"})
        assert clerk_error(response) == (422, "form_param_missing", "enterprise_connection_id")
        response = await client.post("/v1/scim_directories", json={"enterprise_connection_id": connection_id})
        assert clerk_error(response) == (422, "form_param_missing", "provider")

    async def test_an_unknown_connection_is_form_resource_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/scim_directories", json={"enterprise_connection_id": "entconn_unknown", "provider": "okta"}
        )
        assert clerk_error(response) == (422, "form_resource_not_found", "enterprise_connection_id")

    async def test_another_instances_connection_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, connection_id: str
    ) -> None:
        response = await other_client.post(
            "/v1/scim_directories", json={"enterprise_connection_id": connection_id, "provider": "okta"}
        )
        assert clerk_error(response) == (422, "form_resource_not_found", "enterprise_connection_id")

    async def test_a_connection_has_one_directory(self, client: httpx.AsyncClient, connection_id: str) -> None:
        await make_directory(client, connection_id)
        response = await client.post(
            "/v1/scim_directories", json={"enterprise_connection_id": connection_id, "provider": "entra_id"}
        )
        assert clerk_error(response) == (400, "duplicate_record", "enterprise_connection_id")

    async def test_concurrent_creations_for_one_connection_make_one_directory(
        self, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        body = {"enterprise_connection_id": connection_id, "provider": "okta"}
        responses = await asyncio.gather(*(client.post("/v1/scim_directories", json=body) for _ in range(6)))
        assert sorted(response.status_code for response in responses) == [200] + [400] * 5
        listed = (await client.get("/v1/scim_directories")).json()
        assert listed["total_count"] == 1

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            pytest.param({"provider": ""}, (422, "form_param_min_length_exceeded", "provider"), id="empty-provider"),
            pytest.param(
                {"provider": "p" * 65}, (422, "form_param_max_length_exceeded", "provider"), id="long-provider"
            ),
            pytest.param({"name": "n" * 256}, (422, "form_param_max_length_exceeded", "name"), id="long-name"),
            pytest.param({"name": ""}, (422, "form_param_min_length_exceeded", "name"), id="empty-name"),
            pytest.param({"provider": 7}, (422, "form_param_type_invalid", "provider"), id="provider-not-a-string"),
            pytest.param({"shared_secret": "x"}, (422, "form_param_unknown", "shared_secret"), id="unknown-field"),
            pytest.param(
                {"group_role_mappings": [{"scim_group_id": "g", "role_id": "org:member"}] * 101},
                (422, "form_param_array_size_exceeded", "group_role_mappings"),
                id="too-many-mappings",
            ),
            pytest.param(
                {"group_role_mappings": [{"role_id": "org:member"}]},
                (422, "form_param_missing", "group_role_mappings.0.scim_group_id"),
                id="mapping-without-group",
            ),
            pytest.param(
                {"group_role_mappings": [{"scim_group_id": "g"}]},
                (422, "form_param_missing", "group_role_mappings.0.role_id"),
                id="mapping-without-role",
            ),
            pytest.param(
                {"group_role_mappings": [{"scim_group_id": "g" * 256, "role_id": "org:member"}]},
                (422, "form_param_max_length_exceeded", "group_role_mappings.0.scim_group_id"),
                id="long-group-id",
            ),
            pytest.param(
                {"group_role_mappings": [{"scim_group_id": "g", "scim_group_display_name": "d" * 256, "role_id": "r"}]},
                (422, "form_param_max_length_exceeded", "group_role_mappings.0.scim_group_display_name"),
                id="long-display-name",
            ),
            pytest.param(
                {"group_role_mappings": [{"scim_group_id": "g", "role_id": "org:member", "precedence": 0}]},
                (422, "form_param_value_invalid", "group_role_mappings.0.precedence"),
                id="precedence-below-1",
            ),
        ],
    )
    async def test_bounds(
        self, client: httpx.AsyncClient, connection_id: str, body: dict[str, Any], expected: tuple[Any, ...]
    ) -> None:
        response = await client.post(
            "/v1/scim_directories", json={"enterprise_connection_id": connection_id, "provider": "okta"} | body
        )
        assert clerk_error(response) == expected
        assert (await client.get("/v1/scim_directories")).json()["total_count"] == 0

    async def test_group_role_mappings_take_their_position_as_precedence_unless_given(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, connection_id: str
    ) -> None:
        admin_id = await role_id(app, instance.instance_id, "org:admin")
        created = await make_directory(
            client,
            connection_id,
            group_role_mappings=[
                {"scim_group_id": "admins", "scim_group_display_name": "Admins", "role_id": admin_id},
                {"scim_group_id": "everyone", "role_id": "org:member", "precedence": 10},
            ],
        )
        assert created["group_role_mapping_enabled"] is True
        assert await stored_mappings(app, created["id"]) == [
            ("admins", "Admins", "org:admin", 1),
            ("everyone", "", "org:member", 10),
        ]

    async def test_a_mapping_to_a_role_the_instance_lacks_is_form_resource_not_found(
        self, app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient, connection_id: str
    ) -> None:
        mappings = [
            {"scim_group_id": "admins", "role_id": "org:admin"},
            {"scim_group_id": "ghosts", "role_id": "org:ghost"},
        ]
        response = await client.post(
            "/v1/scim_directories",
            json={"enterprise_connection_id": connection_id, "provider": "okta", "group_role_mappings": mappings},
        )
        assert clerk_error(response) == (422, "form_resource_not_found", "group_role_mappings.1.role_id")
        assert (await client.get("/v1/scim_directories")).json()["total_count"] == 0

    async def test_a_group_or_a_precedence_used_twice_is_refused(
        self, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        body = {"enterprise_connection_id": connection_id, "provider": "okta"}
        twice = [{"scim_group_id": "g", "role_id": "org:admin"}, {"scim_group_id": "g", "role_id": "org:member"}]
        response = await client.post("/v1/scim_directories", json=body | {"group_role_mappings": twice})
        assert clerk_error(response) == (422, "form_param_value_invalid", "group_role_mappings.1.scim_group_id")
        # The second's position (2) is the first's given precedence.
        clash = [
            {"scim_group_id": "a", "role_id": "org:admin", "precedence": 2},
            {"scim_group_id": "b", "role_id": "org:member"},
        ]
        response = await client.post("/v1/scim_directories", json=body | {"group_role_mappings": clash})
        assert clerk_error(response) == (422, "form_param_value_invalid", "group_role_mappings.1.precedence")

    async def test_without_a_secret_key_it_is_unauthorized(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            response = await anonymous.post("/v1/scim_directories", json={})
        assert response.status_code == 401


class TestListSCIMDirectories:
    async def test_newest_first_with_the_total_count_and_no_token(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        made = [
            await make_directory(client, (await make_enterprise_connection(client, name=f"c{i}"))["id"])
            for i in range(3)
        ]
        listed = (await client.get("/v1/scim_directories")).json()
        assert listed["total_count"] == 3
        assert [item["id"] for item in listed["data"]] == [d["id"] for d in reversed(made)]
        assert all(item["api_key"] is None and item["object"] == "scim_directory" for item in listed["data"])
        assert listed["data"][0] == made[-1] | {"api_key": None}

        page = (await client.get("/v1/scim_directories", params={"limit": 1, "offset": 1})).json()
        assert page["total_count"] == 3 and [item["id"] for item in page["data"]] == [made[1]["id"]]

    @pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}], ids=str)
    async def test_refuses_a_bad_page(self, client: httpx.AsyncClient, params: dict[str, int]) -> None:
        assert (await client.get("/v1/scim_directories", params=params)).status_code == 422

    async def test_another_instance_sees_none(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, connection_id: str
    ) -> None:
        await make_directory(client, connection_id)
        assert (await other_client.get("/v1/scim_directories")).json() == {"data": [], "total_count": 0}


class TestGetSCIMDirectory:
    async def test_an_unknown_or_another_instances_directory_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id)
        assert clerk_error(await client.get("/v1/scim_directories/scim_unknown"))[:2] == (404, "resource_not_found")
        response = await other_client.get(f"/v1/scim_directories/{created['id']}")
        assert clerk_error(response)[:2] == (404, "resource_not_found")


class TestUpdateSCIMDirectory:
    async def test_only_the_given_fields_change(
        self, client: httpx.AsyncClient, connection_id: str, frozen_clock: int
    ) -> None:
        created = await make_directory(client, connection_id, name="Before")
        clock.freeze(frozen_clock + 1000)
        response = await client.patch(
            f"/v1/scim_directories/{created['id']}",
            json={"enabled": False, "group_role_mapping_enabled": True, "name": None},
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated == created | {
            "enabled": False,
            "group_role_mapping_enabled": True,
            "api_key": None,
            "updated_at": frozen_clock + 1000,
        }
        renamed = (
            await client.patch(f"/v1/scim_directories/{created['id']}", json={"name": "After", "provider": "entra_id"})
        ).json()
        assert (renamed["name"], renamed["provider"], renamed["enabled"]) == ("After", "entra_id", False)
        assert (await client.get(f"/v1/scim_directories/{created['id']}")).json() == renamed

    async def test_attribute_mapping_is_merged_and_null_removes_a_key(
        self, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id)
        patch = {"attribute_mapping": {"first_name": "name.formatted", "username": None, "phone_number": "phone"}}
        updated = (await client.patch(f"/v1/scim_directories/{created['id']}", json=patch)).json()
        expected = {k: v for k, v in DEFAULT_ATTRIBUTE_MAPPING.items() if k != "username"}
        expected |= {"first_name": "name.formatted", "phone_number": "phone"}
        assert updated["attribute_mapping"] == expected
        again = (await client.patch(f"/v1/scim_directories/{created['id']}", json={"attribute_mapping": {}})).json()
        assert again["attribute_mapping"] == expected

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            pytest.param({"enabled": "yes"}, (422, "form_param_type_invalid", "enabled"), id="enabled-not-boolean"),
            pytest.param({"name": ""}, (422, "form_param_min_length_exceeded", "name"), id="empty-name"),
            pytest.param({"provider": "p" * 65}, (422, "form_param_max_length_exceeded", "provider"), id="long"),
            pytest.param({"api_key": "mine"}, (422, "form_param_unknown", "api_key"), id="token-not-settable"),
            pytest.param(
                {"attribute_mapping": {"first_name": ""}},
                (422, "form_param_min_length_exceeded", "attribute_mapping.first_name"),
                id="empty-path",
            ),
            pytest.param(
                {"attribute_mapping": {"first_name": "p" * 256}},
                (422, "form_param_max_length_exceeded", "attribute_mapping.first_name"),
                id="long-path",
            ),
            pytest.param(
                {"attribute_mapping": {"First Name": "name.givenName"}},
                (422, "form_param_value_invalid", "attribute_mapping"),
                id="attribute-name-not-snake-case",
            ),
            pytest.param(
                {"attribute_mapping": {f"a{i}": "p" for i in range(51)}},
                (422, "form_param_value_invalid", "attribute_mapping"),
                id="too-many-attributes",
            ),
            pytest.param(
                {"attribute_mapping": ["first_name"]},
                (422, "form_param_type_invalid", "attribute_mapping"),
                id="mapping-not-an-object",
            ),
        ],
    )
    async def test_bounds(
        self, client: httpx.AsyncClient, connection_id: str, body: dict[str, Any], expected: tuple[Any, ...]
    ) -> None:
        created = await make_directory(client, connection_id)
        assert clerk_error(await client.patch(f"/v1/scim_directories/{created['id']}", json=body)) == expected

    async def test_merges_cannot_grow_the_mapping_past_its_bound(
        self, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id)
        path = f"/v1/scim_directories/{created['id']}"
        assert (
            await client.patch(path, json={"attribute_mapping": {f"a{i}": "p" for i in range(45)}})
        ).status_code == 200
        response = await client.patch(path, json={"attribute_mapping": {f"b{i}": "p" for i in range(10)}})
        assert clerk_error(response) == (422, "form_param_exceeds_allowed_size", "attribute_mapping")

    async def test_concurrent_merges_keep_every_key(self, client: httpx.AsyncClient, connection_id: str) -> None:
        created = await make_directory(client, connection_id)
        path = f"/v1/scim_directories/{created['id']}"
        responses = await asyncio.gather(
            *(client.patch(path, json={"attribute_mapping": {f"custom_{i}": f"path{i}"}}) for i in range(6))
        )
        assert all(response.status_code == 200 for response in responses)
        mapping = (await client.get(path)).json()["attribute_mapping"]
        assert all(mapping[f"custom_{i}"] == f"path{i}" for i in range(6))

    async def test_an_unknown_or_another_instances_directory_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id)
        response = await other_client.patch(f"/v1/scim_directories/{created['id']}", json={"enabled": False})
        assert clerk_error(response)[:2] == (404, "resource_not_found")
        assert (await client.get(f"/v1/scim_directories/{created['id']}")).json()["enabled"] is True


class TestDeleteSCIMDirectory:
    async def test_deletes_the_directory_and_its_mappings(
        self, app: FastAPI, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(
            client, connection_id, group_role_mappings=[{"scim_group_id": "g", "role_id": "org:member"}]
        )
        response = await client.delete(f"/v1/scim_directories/{created['id']}")
        assert response.json() == {"object": "scim_directory", "id": created["id"], "deleted": True}
        assert (await client.get(f"/v1/scim_directories/{created['id']}")).status_code == 404
        assert await stored_mappings(app, created["id"]) == []
        assert (await client.delete(f"/v1/scim_directories/{created['id']}")).status_code == 404
        # The connection may have a directory again.
        await make_directory(client, connection_id)

    async def test_another_instance_cannot_delete_it(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id)
        assert (await other_client.delete(f"/v1/scim_directories/{created['id']}")).status_code == 404
        assert (await client.get(f"/v1/scim_directories/{created['id']}")).status_code == 200

    async def test_deleting_the_connection_deletes_its_directory(
        self, app: FastAPI, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id)
        async with inspection_session(app) as session:
            await session.execute(delete(EnterpriseConnection).where(EnterpriseConnection.id == connection_id))
            await session.commit()
        assert (await client.get(f"/v1/scim_directories/{created['id']}")).status_code == 404

    async def test_deleting_a_role_removes_the_mappings_to_it(
        self, app: FastAPI, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        role = (await client.post("/v1/organization_roles", json={"name": "Auditor", "key": "org:auditor"})).json()
        created = await make_directory(
            client,
            connection_id,
            group_role_mappings=[
                {"scim_group_id": "auditors", "role_id": role["id"]},
                {"scim_group_id": "everyone", "role_id": "org:member"},
            ],
        )
        assert (await client.delete(f"/v1/organization_roles/{role['id']}")).status_code == 200
        assert await stored_mappings(app, created["id"]) == [("everyone", "", "org:member", 2)]
