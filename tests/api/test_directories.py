"""Directories: the newer name of SCIM directories (object `directory`), one resource under both
names; group-role mappings name the group `directory_group_id` or, as before, `scim_group_id`."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from locum.instances.service import InstanceKeys
from locum.resources.directories.service import DEFAULT_ATTRIBUTE_MAPPING
from tests.api.test_scim_directories import DIRECTORY_KEYS, stored_mappings
from tests.builders import clerk_error, make_directory, make_enterprise_connection
from tests.conftest import TEST_ORIGIN

DIRECTORIES = "/v1/directories"


@pytest.fixture
async def connection_id(client: httpx.AsyncClient) -> str:
    return (await make_enterprise_connection(client, name="Acme Entra"))["id"]


class TestCreateDirectory:
    async def test_a_directory_with_its_token_shown_once(self, client: httpx.AsyncClient, connection_id: str) -> None:
        created = await make_directory(client, connection_id, path=DIRECTORIES, provider="entra_id")
        assert set(created) == DIRECTORY_KEYS
        assert created["object"] == "directory" and created["id"].startswith("scim_")
        assert (created["name"], created["provider"]) == ("Acme Entra", "entra_id")
        assert created["endpoint_url"] == f"{TEST_ORIGIN}/scim/v2/{created['id']}"
        assert created["attribute_mapping"] == DEFAULT_ATTRIBUTE_MAPPING and created["api_key"]
        assert (await client.get(f"{DIRECTORIES}/{created['id']}")).json() == created | {"api_key": None}

    async def test_both_names_serve_one_directory(self, client: httpx.AsyncClient, connection_id: str) -> None:
        created = await make_directory(client, connection_id, path=DIRECTORIES)
        as_scim = (await client.get(f"/v1/scim_directories/{created['id']}")).json()
        assert as_scim == created | {"object": "scim_directory", "api_key": None}
        # One per connection, whichever name made it.
        response = await client.post(
            "/v1/scim_directories", json={"enterprise_connection_id": connection_id, "provider": "okta"}
        )
        assert clerk_error(response) == (400, "duplicate_record", "enterprise_connection_id")

    @pytest.mark.parametrize(
        ("mapping", "stored_group"),
        [
            pytest.param(
                {"directory_group_id": "eng", "directory_group_display_name": "Eng"}, ("eng", "Eng"), id="new"
            ),
            pytest.param({"scim_group_id": "eng", "scim_group_display_name": "Eng"}, ("eng", "Eng"), id="legacy"),
            pytest.param(
                {
                    "directory_group_id": "eng",
                    "scim_group_id": "eng",
                    "directory_group_display_name": "Eng",
                    "scim_group_display_name": "Eng",
                },
                ("eng", "Eng"),
                id="both-agreeing",
            ),
            pytest.param({"directory_group_id": "eng"}, ("eng", ""), id="no-display-name"),
        ],
    )
    async def test_a_mappings_group_goes_by_either_name(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        connection_id: str,
        mapping: dict[str, str],
        stored_group: tuple[str, str],
    ) -> None:
        created = await make_directory(
            client, connection_id, path=DIRECTORIES, group_role_mappings=[mapping | {"role_id": "org:member"}]
        )
        assert await stored_mappings(app, created["id"]) == [(*stored_group, "org:member", 1)]

    @pytest.mark.parametrize(
        ("mapping", "expected"),
        [
            pytest.param(
                {"role_id": "org:member"},
                (422, "form_param_missing", "group_role_mappings.0.directory_group_id"),
                id="no-group",
            ),
            pytest.param(
                {"directory_group_id": "a", "scim_group_id": "b", "role_id": "org:member"},
                (422, "form_param_value_invalid", "group_role_mappings.0.directory_group_id"),
                id="group-names-disagree",
            ),
            pytest.param(
                {
                    "directory_group_id": "a",
                    "directory_group_display_name": "A",
                    "scim_group_display_name": "B",
                    "role_id": "org:member",
                },
                (422, "form_param_value_invalid", "group_role_mappings.0.directory_group_display_name"),
                id="display-names-disagree",
            ),
            pytest.param(
                {"directory_group_id": "a"},
                (422, "form_param_missing", "group_role_mappings.0.role_id"),
                id="no-role",
            ),
            pytest.param(
                {"directory_group_id": "a", "role_id": "org:nobody"},
                (422, "form_resource_not_found", "group_role_mappings.0.role_id"),
                id="unknown-role",
            ),
            pytest.param(
                {"directory_group_id": "a", "directory_group_display_name": "d" * 256, "role_id": "org:member"},
                (422, "form_param_max_length_exceeded", "group_role_mappings.0.directory_group_display_name"),
                id="long-display-name",
            ),
        ],
    )
    async def test_refused_mappings(
        self, client: httpx.AsyncClient, connection_id: str, mapping: dict[str, Any], expected: tuple[Any, ...]
    ) -> None:
        body = {"enterprise_connection_id": connection_id, "provider": "okta", "group_role_mappings": [mapping]}
        assert clerk_error(await client.post(DIRECTORIES, json=body)) == expected
        assert (await client.get(DIRECTORIES)).json()["total_count"] == 0

    async def test_a_group_named_twice_across_names_is_refused(
        self, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        mappings = [
            {"directory_group_id": "g", "role_id": "org:admin"},
            {"scim_group_id": "g", "role_id": "org:member"},
        ]
        body = {"enterprise_connection_id": connection_id, "provider": "okta", "group_role_mappings": mappings}
        response = await client.post(DIRECTORIES, json=body)
        assert clerk_error(response) == (422, "form_param_value_invalid", "group_role_mappings.1.directory_group_id")

    async def test_an_unknown_connection_is_form_resource_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.post(DIRECTORIES, json={"enterprise_connection_id": "entconn_x", "provider": "okta"})
        assert clerk_error(response) == (422, "form_resource_not_found", "enterprise_connection_id")


class TestListDirectories:
    async def test_lists_every_directory_as_a_directory(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, connection_id: str
    ) -> None:
        scim = await make_directory(client, connection_id)
        newer = await make_directory(client, (await make_enterprise_connection(client))["id"], path=DIRECTORIES)
        listed = (await client.get(DIRECTORIES)).json()
        assert listed["total_count"] == 2
        assert [item["id"] for item in listed["data"]] == [newer["id"], scim["id"]]
        assert {item["object"] for item in listed["data"]} == {"directory"}

    async def test_another_instance_sees_none(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, connection_id: str
    ) -> None:
        await make_directory(client, connection_id, path=DIRECTORIES)
        assert (await other_client.get(DIRECTORIES)).json() == {"data": [], "total_count": 0}


class TestGetDirectory:
    async def test_an_unknown_or_another_instances_directory_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id, path=DIRECTORIES)
        assert clerk_error(await client.get(f"{DIRECTORIES}/scim_unknown"))[:2] == (404, "resource_not_found")
        assert (await other_client.get(f"{DIRECTORIES}/{created['id']}")).status_code == 404


class TestUpdateDirectory:
    async def test_fields_change_and_the_attribute_mapping_merges(
        self, client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id, path=DIRECTORIES)
        patch = {"enabled": False, "attribute_mapping": {"email_address": None, "last_name": "name.surname"}}
        response = await client.patch(f"{DIRECTORIES}/{created['id']}", json=patch)
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["object"] == "directory" and updated["enabled"] is False and updated["api_key"] is None
        assert "email_address" not in updated["attribute_mapping"]
        assert updated["attribute_mapping"]["last_name"] == "name.surname"

    async def test_bounds_and_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id, path=DIRECTORIES)
        response = await client.patch(f"{DIRECTORIES}/{created['id']}", json={"group_role_mapping_enabled": 1})
        assert clerk_error(response) == (422, "form_param_type_invalid", "group_role_mapping_enabled")
        response = await other_client.patch(f"{DIRECTORIES}/{created['id']}", json={"enabled": False})
        assert response.status_code == 404


class TestDeleteDirectory:
    async def test_deletes_it_under_both_names(self, client: httpx.AsyncClient, connection_id: str) -> None:
        created = await make_directory(client, connection_id)
        response = await client.delete(f"{DIRECTORIES}/{created['id']}")
        assert response.json() == {"object": "directory", "id": created["id"], "deleted": True}
        assert (await client.get(f"/v1/scim_directories/{created['id']}")).status_code == 404
        assert (await client.delete(f"{DIRECTORIES}/{created['id']}")).status_code == 404

    async def test_another_instance_cannot_delete_it(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, connection_id: str
    ) -> None:
        created = await make_directory(client, connection_id, path=DIRECTORIES)
        assert (await other_client.delete(f"{DIRECTORIES}/{created['id']}")).status_code == 404
        assert (await client.get(f"{DIRECTORIES}/{created['id']}")).status_code == 200
