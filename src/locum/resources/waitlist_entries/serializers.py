"""Waitlist entries as Clerk's `WaitlistEntry` schema has them (the webhook events carry the same)."""

from locum.db.models import Invitation, WaitlistEntry
from locum.kit.json_types import JSON
from locum.resources.invitations.serializers import invitation_json


def waitlist_entry_json(entry: WaitlistEntry, *, invitation: Invitation | JSON | None, at_ms: int) -> JSON:
    """`invitation` is the entry's invitation, or its JSON already rendered (with the link, when just made)."""
    rendered = invitation_json(invitation, at_ms=at_ms) if isinstance(invitation, Invitation) else invitation
    return {
        "object": "waitlist_entry",
        "id": entry.id,
        "email_address": entry.email_address,
        "status": entry.status,
        # Clerk locks entries during its dashboard's batch actions; locum's changes are single transactions.
        "is_locked": False,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
        "invitation": rendered,
    }


def deleted_waitlist_entry_json(entry: WaitlistEntry) -> JSON:
    return {"object": "waitlist_entry", "id": entry.id, "deleted": True}
