"""Waitlist entries: join (one, bulk), list, delete, invite, reject, their events, and the whole flow:
entry → invite → sign-up with the invitation's ticket → user, entry completed, invitation accepted."""

import asyncio
from typing import Any

import httpx
import pytest

from tests.api.test_invitations import messages_to, ticket_of
from tests.builders import error_code, make_user, unique_email
from tests.conftest import RecordedEvents
from tests.contract.webhook_spec import validate_event_data, webhooks_spec_available


async def join(client: httpx.AsyncClient, email: str | None = None, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/waitlist_entries", json={"email_address": email or unique_email("wl"), **body})
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()
    return entry


def waitlist_events(events: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [(kind, data) for kind, data in events if kind.startswith("waitlistEntry.")]


def assert_valid_events(events: list[tuple[str, dict[str, Any]]]) -> None:
    if webhooks_spec_available():
        for kind, data in events:
            assert validate_event_data(kind, data) == [], kind


class TestCreateWaitlistEntry:
    async def test_adds_a_pending_entry_confirms_it_by_email_and_records_the_event(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        email = unique_email("Waiter").upper()
        entry = await join(client, email)
        assert entry["id"].startswith("wle_") and entry["object"] == "waitlist_entry"
        assert (entry["email_address"], entry["status"], entry["invitation"]) == (email.lower(), "pending", None)
        assert [m["slug"] for m in await messages_to(client, email.lower())] == ["waitlist_confirmation"]
        events = waitlist_events(await recorded_events())
        assert events == [("waitlistEntry.created", entry)]
        assert_valid_events(events)

    async def test_joining_again_answers_the_existing_entry(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        email = unique_email("again")
        first = await join(client, email, notify=False)
        assert await join(client, email.upper()) == first
        assert len(waitlist_events(await recorded_events())) == 1
        assert await messages_to(client, email) == []

    async def test_concurrent_joins_of_one_address_make_one_entry(self, client: httpx.AsyncClient) -> None:
        email = unique_email("race")
        responses = await asyncio.gather(
            *(client.post("/v1/waitlist_entries", json={"email_address": email}) for _ in range(4))
        )
        assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
        assert len({r.json()["id"] for r in responses}) == 1

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"email_address": "nope"}, "form_param_format_invalid", id="bad-email"),
            pytest.param({}, "form_param_missing", id="no-email"),
        ],
    )
    async def test_invalid_bodies_are_form_errors(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str
    ) -> None:
        response = await client.post("/v1/waitlist_entries", json=body)
        assert (response.status_code, error_code(response)) == (422, code)


class TestCreateBulkWaitlistEntries:
    async def test_adds_each_and_answers_an_array_with_existing_entries_as_they_are(
        self, client: httpx.AsyncClient
    ) -> None:
        existing = await join(client)
        emails = [unique_email("bulk") for _ in range(2)]
        body = [{"email_address": e, "notify": False} for e in emails] + [{"email_address": existing["email_address"]}]
        response = await client.post("/v1/waitlist_entries/bulk", json=body)
        assert response.status_code == 200, response.text
        assert [e["email_address"] for e in response.json()] == [*emails, existing["email_address"]]
        assert response.json()[2] == existing

    async def test_an_address_twice_in_one_request_is_refused(self, client: httpx.AsyncClient) -> None:
        email = unique_email("twice")
        response = await client.post(
            "/v1/waitlist_entries/bulk", json=[{"email_address": email}, {"email_address": email.upper()}]
        )
        assert (response.status_code, error_code(response)) == (422, "form_param_duplicate")

    async def test_more_than_fifty_is_bulk_size_exceeded(self, client: httpx.AsyncClient) -> None:
        body = [{"email_address": f"n{i}@example.com"} for i in range(51)]
        response = await client.post("/v1/waitlist_entries/bulk", json=body)
        assert (response.status_code, error_code(response)) == (400, "bulk_size_exceeded")


class TestListWaitlistEntries:
    async def test_newest_first_with_total_count(self, client: httpx.AsyncClient) -> None:
        first, second = await join(client), await join(client)
        listed = (await client.get("/v1/waitlist_entries")).json()
        assert listed["total_count"] == 2 and [e["id"] for e in listed["data"]] == [second["id"], first["id"]]

    async def test_filters_by_status_and_query_and_orders_by_email(self, client: httpx.AsyncClient) -> None:
        a = await join(client, "a-list@example.com", notify=False)
        b = await join(client, "b-list@example.com", notify=False)
        await client.post(f"/v1/waitlist_entries/{b['id']}/reject")
        rejected = (await client.get("/v1/waitlist_entries", params={"status": "rejected"})).json()
        assert [e["id"] for e in rejected["data"]] == [b["id"]]
        by_query = (await client.get("/v1/waitlist_entries", params={"query": "A-LIST"})).json()
        assert [e["id"] for e in by_query["data"]] == [a["id"]]
        by_id = (await client.get("/v1/waitlist_entries", params={"query": b["id"]})).json()
        assert [e["id"] for e in by_id["data"]] == [b["id"]]
        ordered = (await client.get("/v1/waitlist_entries", params={"order_by": "+email_address"})).json()
        assert [e["id"] for e in ordered["data"]] == [a["id"], b["id"]]

    async def test_pages_with_limit_and_offset(self, client: httpx.AsyncClient) -> None:
        entries = [await join(client, notify=False) for _ in range(3)]
        page = (await client.get("/v1/waitlist_entries", params={"limit": 1, "offset": 1})).json()
        assert page["total_count"] == 3 and [e["id"] for e in page["data"]] == [entries[1]["id"]]

    async def test_invalid_parameters_are_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/waitlist_entries", params={"status": "gone"})).status_code == 422
        assert (await client.get("/v1/waitlist_entries", params={"order_by": "status"})).status_code == 422


class TestDeleteWaitlistEntry:
    async def test_deletes_a_pending_entry(self, client: httpx.AsyncClient) -> None:
        entry = await join(client)
        response = await client.delete(f"/v1/waitlist_entries/{entry['id']}")
        assert response.status_code == 200, response.text
        assert response.json() == {"object": "waitlist_entry", "id": entry["id"], "deleted": True}
        assert (await client.get("/v1/waitlist_entries")).json()["total_count"] == 0

    async def test_an_invited_entry_is_409(self, client: httpx.AsyncClient) -> None:
        entry = await join(client)
        await client.post(f"/v1/waitlist_entries/{entry['id']}/invite")
        response = await client.delete(f"/v1/waitlist_entries/{entry['id']}")
        assert (response.status_code, error_code(response)) == (409, "waitlist_entry_already_invited")

    async def test_unknown_and_other_instances_entries_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        entry = await join(client)
        assert (await client.delete("/v1/waitlist_entries/wle_missing")).status_code == 404
        assert (await other_client.delete(f"/v1/waitlist_entries/{entry['id']}")).status_code == 404


class TestInviteWaitlistEntry:
    async def test_invites_with_a_waitlist_invitation_embedded_and_records_the_update(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        entry = await join(client, notify=False)
        response = await client.post(f"/v1/waitlist_entries/{entry['id']}/invite", json={})
        assert response.status_code == 200, response.text
        invited = response.json()
        assert invited["status"] == "invited" and invited["invitation"]["status"] == "pending"
        assert invited["invitation"]["email_address"] == entry["email_address"] and invited["invitation"]["url"]
        [message] = await messages_to(client, entry["email_address"])
        assert message["slug"] == "waitlist_invitation"
        events = waitlist_events(await recorded_events())
        assert [kind for kind, _ in events] == ["waitlistEntry.created", "waitlistEntry.updated"]
        assert events[1][1] == invited
        assert_valid_events(events)
        listed = (await client.get("/v1/waitlist_entries")).json()["data"][0]
        assert listed["invitation"]["id"] == invited["invitation"]["id"] and "url" not in listed["invitation"]

    async def test_inviting_again_is_409_unless_ignore_existing(self, client: httpx.AsyncClient) -> None:
        entry = await join(client)
        first = (await client.post(f"/v1/waitlist_entries/{entry['id']}/invite")).json()["invitation"]
        again = await client.post(f"/v1/waitlist_entries/{entry['id']}/invite")
        assert (again.status_code, error_code(again)) == (409, "waitlist_entry_already_invited")
        replaced = await client.post(f"/v1/waitlist_entries/{entry['id']}/invite", json={"ignore_existing": True})
        assert replaced.status_code == 200 and replaced.json()["invitation"]["id"] != first["id"]
        statuses = {i["id"]: i["status"] for i in (await client.get("/v1/invitations")).json()}
        assert statuses == {first["id"]: "revoked", replaced.json()["invitation"]["id"]: "pending"}

    async def test_an_address_a_user_owns_is_form_identifier_exists(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        entry = await join(client, user["email_addresses"][0]["email_address"])
        response = await client.post(f"/v1/waitlist_entries/{entry['id']}/invite")
        assert (response.status_code, error_code(response)) == (422, "form_identifier_exists")

    async def test_a_rejected_entry_can_be_invited(self, client: httpx.AsyncClient) -> None:
        entry = await join(client)
        await client.post(f"/v1/waitlist_entries/{entry['id']}/reject")
        response = await client.post(f"/v1/waitlist_entries/{entry['id']}/invite")
        assert response.status_code == 200 and response.json()["status"] == "invited"

    async def test_unknown_and_other_instances_entries_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        entry = await join(client)
        assert (await client.post("/v1/waitlist_entries/wle_missing/invite")).status_code == 404
        assert (await other_client.post(f"/v1/waitlist_entries/{entry['id']}/invite")).status_code == 404


class TestRejectWaitlistEntry:
    async def test_rejects_a_pending_entry(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        entry = await join(client)
        response = await client.post(f"/v1/waitlist_entries/{entry['id']}/reject")
        assert response.status_code == 200 and response.json()["status"] == "rejected"
        assert waitlist_events(await recorded_events())[-1] == ("waitlistEntry.updated", response.json())

    async def test_rejecting_an_invited_entry_revokes_its_invitation(self, client: httpx.AsyncClient) -> None:
        entry = await join(client)
        invited = (await client.post(f"/v1/waitlist_entries/{entry['id']}/invite")).json()
        rejected = (await client.post(f"/v1/waitlist_entries/{entry['id']}/reject")).json()
        assert rejected["status"] == "rejected" and rejected["invitation"]["status"] == "revoked"
        response = await client.post("/locum/sign_ups", json={"ticket": ticket_of(invited["invitation"])})
        assert error_code(response) == "revoked_invitation"

    async def test_rejecting_twice_is_409(self, client: httpx.AsyncClient) -> None:
        entry = await join(client)
        await client.post(f"/v1/waitlist_entries/{entry['id']}/reject")
        response = await client.post(f"/v1/waitlist_entries/{entry['id']}/reject")
        assert (response.status_code, error_code(response)) == (409, "waitlist_entry_already_rejected")

    async def test_unknown_and_other_instances_entries_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        entry = await join(client)
        assert (await client.post("/v1/waitlist_entries/wle_missing/reject")).status_code == 404
        assert (await other_client.post(f"/v1/waitlist_entries/{entry['id']}/reject")).status_code == 404


class TestWaitlistToUser:
    async def test_entry_invite_and_sign_up_with_the_ticket_complete_the_entry_and_accept_the_invitation(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        entry = await join(client)
        invited = (await client.post(f"/v1/waitlist_entries/{entry['id']}/invite")).json()
        response = await client.post(
            "/locum/sign_ups", json={"ticket": ticket_of(invited["invitation"]), "password": "correct horse battery"}
        )
        assert response.status_code == 200, response.text
        user_id = response.json()["sign_up"]["created_user_id"]
        user = (await client.get(f"/v1/users/{user_id}")).json()
        assert user["email_addresses"][0]["email_address"] == entry["email_address"]
        [completed] = (await client.get("/v1/waitlist_entries")).json()["data"]
        assert completed["status"] == "completed" and completed["invitation"]["status"] == "accepted"
        [invitation] = (await client.get("/v1/invitations")).json()
        assert invitation["status"] == "accepted"
        events = await recorded_events()
        assert [kind for kind, _ in events if kind.startswith(("waitlistEntry.", "user.created"))] == [
            "waitlistEntry.created",
            "waitlistEntry.updated",
            "user.created",
            "waitlistEntry.updated",
        ]
        assert waitlist_events(events)[-1][1] == completed
        assert_valid_events(waitlist_events(events))
        again = await client.post(f"/v1/waitlist_entries/{entry['id']}/reject")
        assert (again.status_code, error_code(again)) == (409, "waitlist_entry_already_completed")
