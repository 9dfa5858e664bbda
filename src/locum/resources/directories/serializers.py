"""Directories as Clerk renders them: the spec's SCIMDirectory (`/scim_directories`) and Directory
(`/directories`), the same fields under two object names.

`endpoint_url` is the SCIM base URL the identity provider calls, on locum's own origin (the one
public URLs are built on). `custom_attributes` are the directory's enterprise connection's: Clerk
configures them once per connection, for SSO and provisioning alike; each carries its provisioning
path under both names (`scim_path`, and the newer `directory_path`). `api_key` is null except in the
answer to the creation, the only time the token is shown.
"""

from typing import Any, Literal

from locum.db.models import Directory, EnterpriseConnection
from locum.kit.json_types import JSON, columns

ObjectName = Literal["scim_directory", "directory"]
SCIM_BASE_PATH = "/scim/v2"
CUSTOM_ATTRIBUTE_FIELDS = ("name", "key", "sso_path", "multi_valued")


def endpoint_url(origin: str, directory_id: str) -> str:
    return f"{origin}{SCIM_BASE_PATH}/{directory_id}"


def _custom_attribute_json(attribute: dict[str, Any]) -> JSON:
    rendered: JSON = {field: attribute[field] for field in CUSTOM_ATTRIBUTE_FIELDS if field in attribute}
    path = attribute.get("directory_path") or attribute.get("scim_path")
    if path:
        rendered |= {"scim_path": path, "directory_path": path}
    return rendered


def directory_json(
    object_name: ObjectName,
    directory: Directory,
    *,
    connection: EnterpriseConnection | None,
    origin: str,
    api_key: str | None = None,
) -> JSON:
    custom_attributes = connection.custom_attributes if connection is not None else []
    return {
        "object": object_name,
        **columns(directory, "id", "name", "enterprise_connection_id"),
        "endpoint_url": endpoint_url(origin, directory.id),
        **columns(directory, "provider", "enabled", "group_role_mapping_enabled"),
        "attribute_mapping": dict(directory.attribute_mapping),
        "custom_attributes": [_custom_attribute_json(attribute) for attribute in custom_attributes or []],
        "api_key": api_key,
        **columns(directory, "created_at", "updated_at"),
    }


def deleted_directory_json(object_name: ObjectName, directory_id: str) -> JSON:
    return {"object": object_name, "id": directory_id, "deleted": True}
