"""Invitations: create (one, bulk), list, revoke, expiry, and the one-pending-invitation-per-address rule
under concurrent creation."""

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.builders import error_code, make_user, unique_email
from tests.verification_codes import frozen_clock

DAY_MS = 86_400_000
T0 = 1_800_000_000_000


async def invite(client: httpx.AsyncClient, email: str | None = None, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/invitations", json={"email_address": email or unique_email("inv"), **body})
    assert response.status_code == 200, response.text
    invitation: dict[str, Any] = response.json()
    return invitation


def ticket_of(invitation: dict[str, Any]) -> str:
    return parse_qs(urlsplit(invitation["url"]).query)["__clerk_ticket"][0]


async def messages_to(client: httpx.AsyncClient, to: str) -> list[dict[str, Any]]:
    response = await client.get("/locum/messages", params={"to": to})
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["data"]
    return messages


class TestCreateInvitation:
    async def test_creates_a_pending_invitation_with_a_sign_up_link_and_sends_the_email(
        self, client: httpx.AsyncClient
    ) -> None:
        email = unique_email("Invitee").upper()
        invitation = await invite(client, email, public_metadata={"plan": "pro"})
        assert invitation["id"].startswith("inv_") and invitation["object"] == "invitation"
        assert invitation["email_address"] == email.lower()
        assert (invitation["status"], invitation["revoked"]) == ("pending", False)
        assert invitation["public_metadata"] == {"plan": "pro"}
        assert invitation["expires_at"] == invitation["created_at"] + 30 * DAY_MS
        assert invitation["url"].startswith("http") and "/locum/sign_ups?__clerk_ticket=" in invitation["url"]
        [message] = await messages_to(client, email.lower())
        assert message["slug"] == "invitation" and message["data"]["action_url"] == invitation["url"]

    async def test_redirect_url_carries_the_ticket_and_template_slug_picks_the_email(
        self, client: httpx.AsyncClient
    ) -> None:
        email = unique_email("inv")
        invitation = await invite(
            client, email, redirect_url="https://app.test/accept?x=1", template_slug="waitlist_invitation"
        )
        assert invitation["url"].startswith("https://app.test/accept?x=1&__clerk_ticket=")
        assert [m["slug"] for m in await messages_to(client, email)] == ["waitlist_invitation"]

    async def test_notify_false_sends_nothing(self, client: httpx.AsyncClient) -> None:
        email = unique_email("inv")
        await invite(client, email, notify=False)
        assert await messages_to(client, email) == []

    async def test_expires_in_days_sets_the_expiry(self, client: httpx.AsyncClient) -> None:
        invitation = await invite(client, expires_in_days=1)
        assert invitation["expires_at"] == invitation["created_at"] + DAY_MS

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"email_address": "not-an-email"}, "form_param_format_invalid", id="bad-email"),
            pytest.param({}, "form_param_missing", id="no-email"),
            pytest.param({"email_address": "a@b.test", "expires_in_days": 366}, "form_param_value_invalid", id="366"),
            pytest.param({"email_address": "a@b.test", "template_slug": "x"}, "form_param_value_invalid", id="slug"),
            pytest.param({"email_address": "a@b.test", "role": "x"}, "form_param_unknown", id="unknown-field"),
        ],
    )
    async def test_invalid_bodies_are_form_errors(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str
    ) -> None:
        response = await client.post("/v1/invitations", json=body)
        assert (response.status_code, error_code(response)) == (422, code)

    async def test_a_second_pending_invitation_for_an_address_is_duplicate_record(
        self, client: httpx.AsyncClient
    ) -> None:
        email = unique_email("dup")
        await invite(client, email)
        response = await client.post("/v1/invitations", json={"email_address": email.upper()})
        assert (response.status_code, error_code(response)) == (400, "duplicate_record")

    async def test_ignore_existing_replaces_the_pending_invitation(self, client: httpx.AsyncClient) -> None:
        email = unique_email("dup")
        first = await invite(client, email)
        second = await invite(client, email, ignore_existing=True)
        listed = {i["id"]: i["status"] for i in (await client.get("/v1/invitations", params={"query": email})).json()}
        assert listed == {first["id"]: "revoked", second["id"]: "pending"}

    async def test_an_expired_invitation_does_not_block_a_new_one(self, client: httpx.AsyncClient) -> None:
        email = unique_email("exp")
        with frozen_clock(T0) as move_to:
            first = await invite(client, email, expires_in_days=1)
            move_to(T0 + DAY_MS)
            second = await invite(client, email)
            listed = (await client.get("/v1/invitations", params={"query": email})).json()
        assert {i["id"]: i["status"] for i in listed} == {first["id"]: "expired", second["id"]: "pending"}

    async def test_an_address_a_user_owns_is_form_identifier_exists_even_with_ignore_existing(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        email = user["email_addresses"][0]["email_address"]
        response = await client.post("/v1/invitations", json={"email_address": email, "ignore_existing": True})
        assert (response.status_code, error_code(response)) == (422, "form_identifier_exists")

    async def test_concurrent_creations_for_one_address_leave_one_pending_invitation(
        self, client: httpx.AsyncClient
    ) -> None:
        email = unique_email("race")
        responses = await asyncio.gather(
            *(client.post("/v1/invitations", json={"email_address": email}) for _ in range(4))
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 400, 400, 400], [r.text for r in responses]
        assert {error_code(r) for r in responses if r.status_code == 400} == {"duplicate_record"}
        pending = (await client.get("/v1/invitations", params={"query": email, "status": "pending"})).json()
        assert len(pending) == 1


class TestCreateBulkInvitations:
    async def test_creates_each_and_answers_an_array(self, client: httpx.AsyncClient) -> None:
        emails = [unique_email("bulk") for _ in range(3)]
        response = await client.post("/v1/invitations/bulk", json=[{"email_address": e} for e in emails])
        assert response.status_code == 200, response.text
        assert [i["email_address"] for i in response.json()] == emails
        assert all(i["status"] == "pending" and i["url"] for i in response.json())

    async def test_one_refusal_creates_none(self, client: httpx.AsyncClient) -> None:
        email = unique_email("bulk")
        response = await client.post("/v1/invitations/bulk", json=[{"email_address": email}, {"email_address": email}])
        assert (response.status_code, error_code(response)) == (400, "duplicate_record")
        assert (await client.get("/v1/invitations", params={"query": email})).json() == []

    async def test_more_than_ten_is_bulk_size_exceeded(self, client: httpx.AsyncClient) -> None:
        body = [{"email_address": unique_email("bulk")} for _ in range(11)]
        response = await client.post("/v1/invitations/bulk", json=body)
        assert (response.status_code, error_code(response)) == (400, "bulk_size_exceeded")

    async def test_an_empty_list_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/invitations/bulk", json=[])
        assert response.status_code == 400


class TestListInvitations:
    async def test_newest_first_as_a_bare_array_without_the_ticket(self, client: httpx.AsyncClient) -> None:
        first, second = await invite(client), await invite(client)
        listed = (await client.get("/v1/invitations")).json()
        assert [i["id"] for i in listed][:2] == [second["id"], first["id"]]
        assert all("url" not in i for i in listed)

    async def test_paginated_answers_data_and_total_count(self, client: httpx.AsyncClient) -> None:
        for _ in range(3):
            await invite(client)
        page = (await client.get("/v1/invitations", params={"paginated": "true", "limit": 2})).json()
        assert page["total_count"] == 3 and len(page["data"]) == 2

    async def test_filters_by_status_and_by_query_on_email_or_id(self, client: httpx.AsyncClient) -> None:
        kept, revoked = await invite(client, unique_email("keepme")), await invite(client)
        assert (await client.post(f"/v1/invitations/{revoked['id']}/revoke")).status_code == 200
        by_status = (await client.get("/v1/invitations", params={"status": "revoked"})).json()
        assert [i["id"] for i in by_status] == [revoked["id"]]
        assert [i["id"] for i in (await client.get("/v1/invitations", params={"query": "KEEPME"})).json()] == [
            kept["id"]
        ]
        assert [i["id"] for i in (await client.get("/v1/invitations", params={"query": kept["id"]})).json()] == [
            kept["id"]
        ]

    async def test_orders_by_email_address(self, client: httpx.AsyncClient) -> None:
        await invite(client, "b-order@example.com")
        await invite(client, "a-order@example.com")
        listed = (await client.get("/v1/invitations", params={"order_by": "email_address"})).json()
        assert [i["email_address"] for i in listed] == ["a-order@example.com", "b-order@example.com"]

    async def test_an_unknown_order_by_or_status_is_422(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/invitations", params={"order_by": "-name"})).status_code == 422
        assert (await client.get("/v1/invitations", params={"status": "open"})).status_code == 422


class TestRevokeInvitation:
    async def test_revokes_a_pending_invitation(self, client: httpx.AsyncClient) -> None:
        invitation = await invite(client)
        response = await client.post(f"/v1/invitations/{invitation['id']}/revoke")
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["revoked"]) == ("revoked", True)

    async def test_revoking_twice_is_invitation_already_revoked(self, client: httpx.AsyncClient) -> None:
        invitation = await invite(client)
        await client.post(f"/v1/invitations/{invitation['id']}/revoke")
        response = await client.post(f"/v1/invitations/{invitation['id']}/revoke")
        assert (response.status_code, error_code(response)) == (400, "invitation_already_revoked")

    async def test_an_accepted_invitation_is_invitation_already_accepted(self, client: httpx.AsyncClient) -> None:
        invitation = await invite(client)
        accepted = await client.post("/locum/sign_ups", json={"ticket": ticket_of(invitation)})
        assert accepted.status_code == 200, accepted.text
        response = await client.post(f"/v1/invitations/{invitation['id']}/revoke")
        assert (response.status_code, error_code(response)) == (400, "invitation_already_accepted")

    async def test_unknown_and_other_instances_invitations_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        invitation = await invite(client)
        assert (await client.post("/v1/invitations/inv_missing/revoke")).status_code == 404
        response = await other_client.post(f"/v1/invitations/{invitation['id']}/revoke")
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")
        assert (await other_client.get("/v1/invitations")).json() == []

    async def test_without_the_secret_key_is_401(self, client: httpx.AsyncClient) -> None:
        invitation = await invite(client)
        response = await client.post(f"/v1/invitations/{invitation['id']}/revoke", headers={"Authorization": ""})
        assert response.status_code == 401
