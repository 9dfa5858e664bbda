"""The Allow-list / Block-list operations through the official SDK against a real server (one server
for the whole session: the lists hold other tests' identifiers too, so these look for their own)."""

import pytest
from clerk_backend_api import Clerk, models

from tests.sdk.conftest import unique


def test_allowlist_create_list_and_delete(clerk: Clerk) -> None:
    address = f"{unique('allowed')}@Example.com"
    created = clerk.allowlist_identifiers.create(request={"identifier": address, "notify": False})
    assert isinstance(created, models.AllowlistIdentifier)
    assert created.id and created.id.startswith("alid_")
    assert created.identifier == address.lower() and created.identifier_type == models.IdentifierType.EMAIL_ADDRESS
    with pytest.raises(models.ClerkErrors) as duplicate:
        clerk.allowlist_identifiers.create(request={"identifier": address})
    assert duplicate.value.data.errors[0].code == "duplicate_record"
    listed = clerk.allowlist_identifiers.list(limit=500)
    assert created.id in [item.id for item in listed]
    deleted = clerk.allowlist_identifiers.delete(identifier_id=created.id)
    assert deleted.object == "allowlist_identifier" and deleted.id == created.id and deleted.deleted is True
    assert created.id not in [item.id for item in clerk.allowlist_identifiers.list(limit=500)]
    with pytest.raises(models.ClerkErrors) as missing:
        clerk.allowlist_identifiers.delete(identifier_id=created.id)
    assert missing.value.data.errors[0].code == "resource_not_found"


def test_blocklist_create_list_and_delete(clerk: Clerk) -> None:
    pattern = f"*@{unique('blocked').replace('_', '-')}.example"  # no underscore in a domain
    created = clerk.blocklist_identifiers.create(request={"identifier": pattern})
    assert isinstance(created, models.BlocklistIdentifier)
    assert created.id and created.id.startswith("blid_") and created.identifier == pattern
    listed = clerk.blocklist_identifiers.list()
    assert listed.total_count == len(listed.data) and created.id in [item.id for item in listed.data]
    deleted = clerk.blocklist_identifiers.delete(identifier_id=created.id)
    assert deleted.object == "blocklist_identifier" and deleted.id == created.id and deleted.deleted is True
    assert created.id not in [item.id for item in clerk.blocklist_identifiers.list().data]
    with pytest.raises(models.ClerkErrors) as invalid:
        clerk.blocklist_identifiers.create(request={"identifier": "not an identifier"})
    assert invalid.value.data.errors[0].code == "form_param_format_invalid"
