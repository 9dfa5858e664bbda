"""Allow-list and block-list identifiers as Clerk renders them (the spec's AllowlistIdentifier,
BlocklistIdentifier)."""

from locum.db.models import AllowlistIdentifier, BlocklistIdentifier
from locum.kit.json_types import JSON, columns

FIELDS = ("id", "identifier", "identifier_type", "instance_id", "created_at", "updated_at")


def allowlist_identifier_json(row: AllowlistIdentifier) -> JSON:
    rendered: JSON = {"object": "allowlist_identifier", **columns(row, *FIELDS)}
    # The spec's invitation_id is a string, never null: present only when an invitation was sent.
    if row.invitation_id is not None:
        rendered["invitation_id"] = row.invitation_id
    return rendered


def blocklist_identifier_json(row: BlocklistIdentifier) -> JSON:
    return {"object": "blocklist_identifier", **columns(row, *FIELDS)}


def deleted_identifier_json(object_name: str, identifier_id: str) -> JSON:
    return {"object": object_name, "id": identifier_id, "deleted": True}
