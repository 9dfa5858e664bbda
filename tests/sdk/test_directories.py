"""SCIM directories through the official SDK (`clerk.scim_directories`), and their newer name,
/directories, which clerk-backend-api 7.0.0 has no methods for, through `call_without_sdk`.

The server's instance is shared with other SDK tests: each test makes its own enterprise connection
and deletes the directory it makes.
"""

import secrets

import pytest
from clerk_backend_api import Clerk, models

from tests.sdk.conftest import LocumServer, call_without_sdk, unique


def make_connection(clerk: Clerk, name: str) -> str:
    """An enterprise connection of the server's instance, on a domain of its own."""
    domain = f"directory-{secrets.token_hex(6)}.example.com"
    created = clerk.enterprise_connections.create(request={"name": name, "provider": "saml_okta", "domains": [domain]})
    return created.id


def test_scim_directories_create_get_list_update_delete(clerk: Clerk, server: LocumServer) -> None:
    connection_id = make_connection(clerk, unique("okta"))
    member_role = next(role for role in clerk.organization_roles.list(limit=100).data if role.key == "org:member")
    created = clerk.scim_directories.create(
        request={
            "enterprise_connection_id": connection_id,
            "provider": "okta",
            "name": "Engineering",
            "group_role_mappings": [
                {"scim_group_id": "eng", "scim_group_display_name": "Engineers", "role_id": member_role.id},
                {"scim_group_id": "admins", "role_id": "org:admin", "precedence": 5},
            ],
        }
    )
    assert created.id.startswith("scim_") and created.name == "Engineering"
    assert created.enterprise_connection_id == connection_id and created.group_role_mapping_enabled is True
    assert created.api_key and created.endpoint_url.endswith(f"/scim/v2/{created.id}")

    fetched = clerk.scim_directories.get(scim_directory_id=created.id)
    assert fetched.api_key is None and fetched.attribute_mapping == created.attribute_mapping
    listed = clerk.scim_directories.list(limit=500)
    assert created.id in [directory.id for directory in listed.data] and listed.total_count >= 1

    updated = clerk.scim_directories.update(
        scim_directory_id=created.id,
        enabled=False,
        provider="okta_scim",
        attribute_mapping={"first_name": "name.formatted", "username": None},
    )
    assert (updated.enabled, updated.provider) == (False, "okta_scim")
    assert updated.attribute_mapping["first_name"] == "name.formatted" and "username" not in updated.attribute_mapping

    deleted = clerk.scim_directories.delete(scim_directory_id=created.id)
    assert (deleted.object, deleted.id, deleted.deleted) == ("scim_directory", created.id, True)
    with pytest.raises(models.ClerkErrors) as gone:
        clerk.scim_directories.get(scim_directory_id=created.id)
    assert gone.value.data.errors[0].code == "resource_not_found"


def test_a_directory_needs_a_connection_of_the_instance(clerk: Clerk) -> None:
    with pytest.raises(models.ClerkErrors) as refused:
        clerk.scim_directories.create(request={"enterprise_connection_id": "entconn_unknown", "provider": "okta"})
    assert refused.value.data.errors[0].code == "form_resource_not_found"


def test_directories_create_get_list_update_delete(clerk: Clerk, server: LocumServer) -> None:
    connection_id = make_connection(clerk, unique("entra"))
    created = call_without_sdk(
        server,
        "POST",
        "/v1/directories",
        json={
            "enterprise_connection_id": connection_id,
            "provider": "entra_id",
            "group_role_mappings": [{"directory_group_id": "eng", "role_id": "org:member"}],
        },
    ).json()
    assert created["object"] == "directory" and created["api_key"]
    directory_id = created["id"]

    fetched = call_without_sdk(server, "GET", "/v1/directories/{directory_id}", directory_id=directory_id).json()
    assert fetched == created | {"api_key": None}
    listed = call_without_sdk(server, "GET", "/v1/directories").json()
    assert directory_id in [item["id"] for item in listed["data"]]
    # The same directory under its older name, through the SDK.
    assert clerk.scim_directories.get(scim_directory_id=directory_id).provider == "entra_id"

    updated = call_without_sdk(
        server,
        "PATCH",
        "/v1/directories/{directory_id}",
        json={"group_role_mapping_enabled": False, "attribute_mapping": {"email_address": None}},
        directory_id=directory_id,
    ).json()
    assert updated["group_role_mapping_enabled"] is False and "email_address" not in updated["attribute_mapping"]

    deleted = call_without_sdk(server, "DELETE", "/v1/directories/{directory_id}", directory_id=directory_id)
    assert deleted.json() == {"object": "directory", "id": directory_id, "deleted": True}
    missing = call_without_sdk(server, "GET", "/v1/directories/{directory_id}", directory_id=directory_id)
    assert missing.status_code == 404
