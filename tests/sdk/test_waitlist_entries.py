"""Waitlist entries through the official SDK against a real server: create, bulk, list, invite,
reject, delete, and an invited entry completed by a sign-up with its invitation's ticket."""

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.builders import unique_email
from tests.sdk.conftest import LocumServer


def test_create_bulk_list_and_delete(clerk: Clerk) -> None:
    email = unique_email("sdkwl")
    entry = clerk.waitlist_entries.create(request={"email_address": email, "notify": False})
    assert isinstance(entry, models.WaitlistEntry) and entry.status == models.WaitlistEntryStatus.PENDING
    assert clerk.waitlist_entries.create(request={"email_address": email}).id == entry.id
    others = [unique_email("sdkwlbulk") for _ in range(2)]
    bulk = clerk.waitlist_entries.bulk_create(request=[{"email_address": e} for e in others])
    assert [e.email_address for e in bulk] == others
    listed = clerk.waitlist_entries.list(query=email)
    assert listed.total_count == 1 and [e.id for e in listed.data] == [entry.id]
    deleted = clerk.waitlist_entries.delete(waitlist_entry_id=entry.id)
    assert deleted.deleted is True and deleted.id == entry.id
    with pytest.raises(models.ClerkErrors):
        clerk.waitlist_entries.delete(waitlist_entry_id=entry.id)


def test_invite_sign_up_and_reject(clerk: Clerk, server: LocumServer) -> None:
    entry = clerk.waitlist_entries.create(request={"email_address": unique_email("sdkwlinv")})
    invited = clerk.waitlist_entries.invite(waitlist_entry_id=entry.id)
    assert invited.status == models.WaitlistEntryStatus.INVITED and invited.invitation is not None
    ticket = httpx.URL(invited.invitation.url or "").params["__clerk_ticket"]
    response = httpx.post(
        f"{server.origin}/locum/sign_ups",
        json={"ticket": ticket},
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )
    assert response.status_code == 200, response.text
    [completed] = clerk.waitlist_entries.list(query=entry.id).data
    assert completed.status == models.WaitlistEntryStatus.COMPLETED
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.waitlist_entries.reject(waitlist_entry_id=entry.id)
    assert raised.value.data.errors[0].code == "waitlist_entry_already_completed"
    other = clerk.waitlist_entries.create(request={"email_address": unique_email("sdkwlrej")})
    rejected = clerk.waitlist_entries.reject(waitlist_entry_id=other.id)
    assert rejected.status == models.WaitlistEntryStatus.REJECTED
