"""Sign-ups: locum's sign-up with an invitation's ticket (POST /locum/sign_ups), which creates the
user and accepts the invitation once, and the records GetSignUp / UpdateSignUp serve."""

import asyncio
from typing import Any

import httpx
import pytest

from tests.api.test_invitations import DAY_MS, T0, invite, ticket_of
from tests.builders import error_code, unique_email
from tests.conftest import RecordedEvents
from tests.verification_codes import frozen_clock

ORIGIN = "http://localhost:3000"
PASSWORD = "correct horse battery"


async def sign_up(client: httpx.AsyncClient, ticket: str, **body: Any) -> httpx.Response:
    return await client.post("/locum/sign_ups", json={"ticket": ticket, **body})


async def signed_up(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    invitation = await invite(client, public_metadata={"plan": "pro"})
    response = await sign_up(client, ticket_of(invitation), **body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


class TestSignUpWithInvitation:
    async def test_creates_the_verified_user_with_the_invitations_metadata_and_a_session(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        email = unique_email("joiner")
        invitation = await invite(client, email, public_metadata={"plan": "pro"})
        response = await sign_up(
            client, ticket_of(invitation), password=PASSWORD, first_name="Ada", username="ada_l", origin=ORIGIN
        )
        assert response.status_code == 200, response.text
        result = response.json()
        record = result["sign_up"]
        assert record["id"].startswith("sua_") and record["status"] == "complete"
        user = (await client.get(f"/v1/users/{record['created_user_id']}")).json()
        assert user["email_addresses"][0]["email_address"] == email
        assert user["email_addresses"][0]["verification"]["status"] == "verified"
        assert (user["first_name"], user["username"], user["password_enabled"]) == ("Ada", "ada_l", True)
        assert user["public_metadata"] == {"plan": "pro"}
        session = (await client.get(f"/v1/sessions/{result['session']['id']}")).json()
        assert session["user_id"] == user["id"] and session["status"] == "active"
        assert record["created_session_id"] == session["id"]
        assert result["session_token"] and result["refresh_token"] and result["client_token"]
        [accepted] = (await client.get("/v1/invitations", params={"query": email})).json()
        assert accepted["status"] == "accepted"
        assert [kind for kind, _ in await recorded_events() if kind.startswith(("user.", "session."))] == [
            "user.created",
            "session.created",
        ]

    async def test_a_used_ticket_is_ticket_invalid(self, client: httpx.AsyncClient) -> None:
        invitation = await invite(client)
        assert (await sign_up(client, ticket_of(invitation))).status_code == 200
        response = await sign_up(client, ticket_of(invitation))
        assert (response.status_code, error_code(response)) == (400, "ticket_invalid")

    async def test_concurrent_sign_ups_with_one_ticket_create_one_user(self, client: httpx.AsyncClient) -> None:
        ticket = ticket_of(await invite(client))
        responses = await asyncio.gather(*(sign_up(client, ticket) for _ in range(3)))
        assert sorted(r.status_code for r in responses) == [200, 400, 400], [r.text for r in responses]

    async def test_a_revoked_invitation_is_revoked_invitation(self, client: httpx.AsyncClient) -> None:
        invitation = await invite(client)
        await client.post(f"/v1/invitations/{invitation['id']}/revoke")
        response = await sign_up(client, ticket_of(invitation))
        assert (response.status_code, error_code(response)) == (400, "revoked_invitation")

    async def test_an_expired_invitation_is_ticket_expired(self, client: httpx.AsyncClient) -> None:
        with frozen_clock(T0) as move_to:
            invitation = await invite(client, expires_in_days=1)
            move_to(T0 + DAY_MS)
            response = await sign_up(client, ticket_of(invitation))
        assert (response.status_code, error_code(response)) == (400, "ticket_expired")

    @pytest.mark.parametrize("ticket", ["", "x" * 5000, "not-a-ticket"])
    async def test_an_unknown_ticket_of_any_length_is_ticket_invalid(
        self, client: httpx.AsyncClient, ticket: str
    ) -> None:
        response = await sign_up(client, ticket)
        assert (response.status_code, error_code(response)) == (400, "ticket_invalid")

    async def test_the_password_rules_of_user_creation_apply_and_leave_the_invitation_pending(
        self, client: httpx.AsyncClient
    ) -> None:
        invitation = await invite(client)
        response = await sign_up(client, ticket_of(invitation), password="short")
        assert response.status_code == 422
        [listed] = (await client.get("/v1/invitations", params={"query": invitation["id"]})).json()
        assert listed["status"] == "pending"

    async def test_another_instances_ticket_is_ticket_invalid(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        invitation = await invite(client)
        response = await sign_up(other_client, ticket_of(invitation))
        assert (response.status_code, error_code(response)) == (400, "ticket_invalid")


class TestGetSignUp:
    async def test_serves_the_sign_up_record(self, client: httpx.AsyncClient) -> None:
        result = await signed_up(client, first_name="Grace")
        response = await client.get(f"/v1/sign_ups/{result['sign_up']['id']}")
        assert response.status_code == 200, response.text
        record = response.json()
        assert record == result["sign_up"]
        assert record["object"] == "sign_up_attempt" and record["first_name"] == "Grace"
        assert record["verifications"]["email_address"]["strategy"] == "ticket"
        assert (record["password_enabled"], record["public_metadata"]) == (False, {"plan": "pro"})

    async def test_unknown_and_other_instances_sign_ups_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        result = await signed_up(client)
        assert (await client.get("/v1/sign_ups/sua_missing")).status_code == 404
        assert (await other_client.get(f"/v1/sign_ups/{result['sign_up']['id']}")).status_code == 404


class TestUpdateSignUp:
    async def test_sets_external_id_and_custom_action(self, client: httpx.AsyncClient) -> None:
        sign_up_id = (await signed_up(client))["sign_up"]["id"]
        response = await client.patch(
            f"/v1/sign_ups/{sign_up_id}", json={"external_id": "ext-1", "custom_action": True}
        )
        assert response.status_code == 200, response.text
        assert (response.json()["external_id"], response.json()["custom_action"]) == ("ext-1", True)
        cleared = await client.patch(f"/v1/sign_ups/{sign_up_id}", json={"external_id": None})
        assert (cleared.json()["external_id"], cleared.json()["custom_action"]) == (None, True)
        assert (await client.get(f"/v1/sign_ups/{sign_up_id}")).json() == cleared.json()

    async def test_unknown_and_other_instances_sign_ups_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        sign_up_id = (await signed_up(client))["sign_up"]["id"]
        assert (await client.patch("/v1/sign_ups/sua_missing", json={})).status_code == 404
        assert (await other_client.patch(f"/v1/sign_ups/{sign_up_id}", json={"external_id": "x"})).status_code == 404
        assert (await client.get(f"/v1/sign_ups/{sign_up_id}")).json()["external_id"] is None
