"""Messages: every email and SMS Clerk would send is rendered, recorded, listed at /locum/messages
and announced as `email.created` / `sms.created` with `data` as the webhooks spec gives it; Clerk's
test mode sends nothing; self-delivered templates are recorded and announced, not sent."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from locum.instances.service import create_instance
from tests.builders import inspection_session, make_organization, make_user, unique_email
from tests.conftest import RecordedEvents, api_client
from tests.contract.webhook_spec import validate_event_data, webhooks_spec_available
from tests.verification_codes import TEST_MODE_CODE, frozen_clock, messaged_code

T0 = 1_800_000_000_000  # 2027-01-15T08:00:00Z


def assert_valid(event_type: str, data: dict[str, Any]) -> None:
    if webhooks_spec_available():
        assert validate_event_data(event_type, data) == []


async def messages_to(client: httpx.AsyncClient, to: str) -> list[dict[str, Any]]:
    response = await client.get("/locum/messages", params={"to": to})
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["data"]
    return messages


def message_events(events: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [(kind, data) for kind, data in events if kind in ("email.created", "sms.created")]


async def add_email(client: httpx.AsyncClient, user_id: str, address: str) -> dict[str, Any]:
    response = await client.post("/v1/email_addresses", json={"user_id": user_id, "email_address": address})
    assert response.status_code == 200, response.text
    email: dict[str, Any] = response.json()
    return email


async def add_phone(client: httpx.AsyncClient, user_id: str, number: str) -> dict[str, Any]:
    response = await client.post("/v1/phone_numbers", json={"user_id": user_id, "phone_number": number})
    assert response.status_code == 200, response.text
    phone: dict[str, Any] = response.json()
    return phone


async def prepare(client: httpx.AsyncClient, collection: str, row_id: str) -> dict[str, Any]:
    response = await client.post(f"/v1/{collection}/{row_id}/prepare_verification")
    assert response.status_code == 200, response.text
    verification: dict[str, Any] = response.json()
    return verification


async def attempt(client: httpx.AsyncClient, collection: str, row_id: str, verification_id: str, code: str) -> str:
    response = await client.post(
        f"/v1/{collection}/{row_id}/attempt_verification", json={"verification_id": verification_id, "code": code}
    )
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


class TestVerificationCodeEmail:
    async def test_is_recorded_listed_and_announced(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        email = user["email_addresses"][0]
        with frozen_clock(T0):
            verification = await prepare(client, "email_addresses", email["id"])
        code = await messaged_code(client, email["email_address"])

        [message] = await messages_to(client, email["email_address"])
        assert message["id"].startswith("ema_") and message["object"] == "locum_message"
        expected = {
            "kind": "email",
            "slug": "verification_code",
            "to": email["email_address"],
            "subject": f"{code} is your verification code",
            "otp_code": code,
            "status": "queued",
            "delivered_by_clerk": True,
            "send_attempts": 0,
            "error": None,
            "user_id": user["id"],
            "identification_id": email["id"],
            "created_at": T0,
        }
        assert {key: message[key] for key in expected} == expected
        assert message["from"].startswith("notifications@") and message["from"].endswith(".locum.localhost")
        assert code in message["body"] and message["body"].startswith("<!DOCTYPE html>")
        assert "Verification code" in message["body_plain"] and f"\n{code}\n" in message["body_plain"]
        assert "15 January 2027, 08:00 UTC" in message["body_plain"]
        assert message["data"]["otp_code"] == code and message["data"]["app"]["name"] == "locum"
        assert (await client.get(f"/locum/messages/{message['id']}")).json() == message

        [(kind, data)] = message_events(await recorded_events())
        assert kind == "email.created"
        assert_valid(kind, data)
        assert data == {
            "object": "email",
            "id": message["id"],
            "slug": "verification_code",
            "from_email_name": "notifications",
            "reply_to_email_name": None,
            "to_email_address": email["email_address"],
            "email_address_id": email["id"],
            "user_id": user["id"],
            "subject": message["subject"],
            "body": message["body"],
            "body_plain": message["body_plain"],
            "status": "queued",
            "data": message["data"],
            "delivered_by_clerk": True,
        }
        assert await attempt(client, "email_addresses", email["id"], verification["id"], code) == "verified"

    async def test_each_prepare_sends_a_new_code_read_from_locum_messages(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"], unique_email())
        await prepare(client, "email_addresses", email["id"])
        second = await prepare(client, "email_addresses", email["id"])
        code = await messaged_code(client, email["email_address"])
        newest, oldest = await messages_to(client, email["email_address"])
        assert newest["otp_code"] == code and oldest["created_at"] <= newest["created_at"]
        assert await attempt(client, "email_addresses", email["id"], second["id"], code) == "verified"

    async def test_an_instance_override_is_what_goes_out(self, client: httpx.AsyncClient) -> None:
        custom = "<p>Code: <b>{{otp_code}}</b> for {{app.name}}</p>"
        upserted = await client.put(
            "/v1/templates/email/verification_code",
            json={"subject": "Your code {{otp_code}}", "body": custom, "from_email_name": "auth"},
        )
        assert upserted.status_code == 200, upserted.text
        user = await make_user(client)
        email = user["email_addresses"][0]
        await prepare(client, "email_addresses", email["id"])
        [message] = await messages_to(client, email["email_address"])
        code = message["otp_code"]
        assert message["subject"] == f"Your code {code}"
        assert message["body"] == f"<p>Code: <b>{code}</b> for locum</p>"
        assert message["body_plain"] == f"Code: {code} for locum\n"
        assert message["from"].startswith("auth@")


class TestVerificationCodeSms:
    async def test_is_recorded_listed_and_announced(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"], "+14155552671")
        verification = await prepare(client, "phone_numbers", phone["id"])
        code = await messaged_code(client, phone["phone_number"])

        [message] = (await client.get("/locum/messages", params={"kind": "sms"})).json()["data"]
        assert message["id"].startswith("sms_")
        expected = {
            "kind": "sms",
            "slug": "verification_code",
            "to": "+14155552671",
            "from": "+15555550100",
            "subject": None,
            "body": f"Your verification code is {code}",
            "body_plain": None,
            "otp_code": code,
            "status": "queued",
            "delivered_by_clerk": True,
            "user_id": user["id"],
            "identification_id": phone["id"],
        }
        assert {key: message[key] for key in expected} == expected

        [(kind, data)] = message_events(await recorded_events())
        assert kind == "sms.created"
        assert_valid(kind, data)
        assert data == {
            "object": "sms_message",
            "id": message["id"],
            "slug": "verification_code",
            "from_phone_number": "+15555550100",
            "to_phone_number": "+14155552671",
            "phone_number_id": phone["id"],
            "user_id": user["id"],
            "message": message["body"],
            "status": "queued",
            "data": message["data"],
            "delivered_by_clerk": True,
            "created_at_ms": message["created_at"],
            "created_at": message["created_at"],
        }
        assert await attempt(client, "phone_numbers", phone["id"], verification["id"], code) == "verified"


class TestOrganizationInvitationEmail:
    async def test_carries_the_link_inviter_and_organization(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        inviter = await make_user(client, first_name="Ada", last_name="Lovelace")
        organization = await make_organization(client, name="Babbage & Lovelace's", created_by=inviter["id"])
        response = await client.post(
            f"/v1/organizations/{organization['id']}/invitations",
            json={"email_address": "grace@example.com", "role": "org:member", "inviter_user_id": inviter["id"]},
        )
        assert response.status_code == 200, response.text
        invitation = response.json()

        [message] = await messages_to(client, "grace@example.com")
        assert (message["kind"], message["slug"], message["otp_code"]) == ("email", "organization_invitation", None)
        assert message["subject"] == "Ada Lovelace invited you to join Babbage & Lovelace's"
        assert message["data"]["action_url"] == invitation["url"]
        assert message["data"]["org"] == {"name": organization["name"], "image_url": organization["image_url"]}
        # Variables are HTML-escaped in the body, and the plain text reads as typed.
        assert "Babbage &amp; Lovelace&#x27;s" in message["body"] and "Babbage & " not in message["body"]
        assert f"Accept invitation ({invitation['url']})" in message["body_plain"]
        assert (message["user_id"], message["identification_id"]) == (None, None)

        [(kind, data)] = message_events(await recorded_events())
        assert kind == "email.created"
        assert_valid(kind, data)
        assert (data["id"], data["to_email_address"], data["slug"]) == (
            message["id"],
            "grace@example.com",
            message["slug"],
        )
        assert (data["email_address_id"], data["user_id"]) == (None, None)

    async def test_without_an_inviter_and_with_notify_false(self, client: httpx.AsyncClient) -> None:
        creator = await make_user(client)
        organization = await make_organization(client, name="Acme", created_by=creator["id"])
        url = f"/v1/organizations/{organization['id']}/invitations"
        invited = await client.post(url, json={"email_address": "alan@example.com", "role": "org:member"})
        quiet = await client.post(
            url, json={"email_address": "quiet@example.com", "role": "org:member", "notify": False}
        )
        assert invited.status_code == quiet.status_code == 200
        [message] = await messages_to(client, "alan@example.com")
        assert message["subject"] == "You're invited to join Acme"
        assert await messages_to(client, "quiet@example.com") == []


class TestTestMode:
    async def test_test_email_verifies_with_424242_and_gets_nothing(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"], "jane+clerk_test@example.com")
        verification = await prepare(client, "email_addresses", email["id"])
        assert await messages_to(client, "jane+clerk_test@example.com") == []
        assert message_events(await recorded_events()) == []
        assert await attempt(client, "email_addresses", email["id"], verification["id"], "123456") == "unverified"
        assert await attempt(client, "email_addresses", email["id"], verification["id"], TEST_MODE_CODE) == "verified"

    async def test_test_phone_verifies_with_424242_and_gets_nothing(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"], "+1 (201) 555-0142")
        verification = await prepare(client, "phone_numbers", phone["id"])
        assert (await client.get("/locum/messages", params={"kind": "sms"})).json() == {"data": [], "total_count": 0}
        assert message_events(await recorded_events()) == []
        assert await attempt(client, "phone_numbers", phone["id"], verification["id"], TEST_MODE_CODE) == "verified"

    async def test_test_address_gets_no_invitation(self, client: httpx.AsyncClient) -> None:
        creator = await make_user(client)
        organization = await make_organization(client, name="Acme", created_by=creator["id"])
        response = await client.post(
            f"/v1/organizations/{organization['id']}/invitations",
            json={"email_address": "bob+clerk_test@example.com", "role": "org:member"},
        )
        assert response.status_code == 200, response.text
        assert (await client.get("/locum/messages")).json()["total_count"] == 0

    async def test_production_instances_have_no_test_mode(self, app: FastAPI) -> None:
        async with inspection_session(app) as session:
            keys = await create_instance(session, app.state.sealer, environment_type="production")
            await session.commit()
        async with api_client(app, keys.secret_key) as production:
            user = await make_user(production)
            email = await add_email(production, user["id"], "ops+clerk_test@example.com")
            verification = await prepare(production, "email_addresses", email["id"])
            code = await messaged_code(production, "ops+clerk_test@example.com")
            assert await attempt(production, "email_addresses", email["id"], verification["id"], code) == "verified"


class TestSelfDelivery:
    """delivered_by_clerk=false: locum records and announces the message, the app delivers it."""

    async def test_email_is_recorded_as_delivered_elsewhere_and_still_announced(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        toggled = await client.post(
            "/v1/templates/email/verification_code/toggle_delivery", json={"delivered_by_clerk": False}
        )
        assert toggled.status_code == 200 and toggled.json()["delivered_by_clerk"] is False
        user = await make_user(client)
        email = user["email_addresses"][0]
        await prepare(client, "email_addresses", email["id"])
        [message] = await messages_to(client, email["email_address"])
        assert (message["status"], message["delivered_by_clerk"]) == ("delivered_elsewhere", False)
        [(kind, data)] = message_events(await recorded_events())
        assert kind == "email.created"
        assert_valid(kind, data)
        assert (data["status"], data["delivered_by_clerk"], data["data"]["otp_code"]) == (
            "delivered_elsewhere",
            False,
            message["otp_code"],
        )

    async def test_sms(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        toggled = await client.post(
            "/v1/templates/sms/verification_code/toggle_delivery", json={"delivered_by_clerk": False}
        )
        assert toggled.status_code == 200
        user = await make_user(client)
        phone = await add_phone(client, user["id"], "+14155552672")
        await prepare(client, "phone_numbers", phone["id"])
        [message] = await messages_to(client, "+14155552672")
        assert (message["status"], message["delivered_by_clerk"]) == ("delivered_elsewhere", False)
        [(kind, data)] = message_events(await recorded_events())
        assert_valid(kind, data)
        assert (kind, data["delivered_by_clerk"]) == ("sms.created", False)


class TestLocumMessages:
    @pytest.fixture
    async def sent(self, client: httpx.AsyncClient) -> AsyncIterator[list[dict[str, Any]]]:
        """Three emails and an SMS, oldest first."""
        user = await make_user(client, email_address=["a@example.com"])
        second = await add_email(client, user["id"], "b@example.com")
        phone = await add_phone(client, user["id"], "+14155552673")
        for at_ms, (collection, row_id) in enumerate(
            [
                ("email_addresses", user["email_addresses"][0]["id"]),
                ("email_addresses", second["id"]),
                ("phone_numbers", phone["id"]),
                ("email_addresses", second["id"]),
            ]
        ):
            with frozen_clock(T0 + at_ms):
                await prepare(client, collection, row_id)
        yield (await client.get("/locum/messages", params={"limit": 10})).json()["data"][::-1]

    async def test_newest_first_with_filters_and_pages(
        self, client: httpx.AsyncClient, sent: list[dict[str, Any]]
    ) -> None:
        assert [m["to"] for m in sent] == ["a@example.com", "b@example.com", "+14155552673", "b@example.com"]
        everything = (await client.get("/locum/messages")).json()
        assert everything == {"data": sent[::-1], "total_count": 4}
        emails = (await client.get("/locum/messages", params={"kind": "email"})).json()
        assert [m["id"] for m in emails["data"]] == [sent[3]["id"], sent[1]["id"], sent[0]["id"]]
        to_b = (await client.get("/locum/messages", params={"to": "B@Example.com"})).json()
        assert (to_b["total_count"], [m["id"] for m in to_b["data"]]) == (2, [sent[3]["id"], sent[1]["id"]])
        page = (await client.get("/locum/messages", params={"limit": 2, "offset": 1})).json()
        assert (page["total_count"], [m["id"] for m in page["data"]]) == (4, [sent[2]["id"], sent[1]["id"]])

    async def test_invalid_queries_and_unknown_ids(self, client: httpx.AsyncClient) -> None:
        for params in ({"kind": "fax"}, {"limit": 0}, {"limit": 501}, {"offset": -1}):
            response = await client.get("/locum/messages", params=params)
            assert response.status_code == 422, params
            assert response.json()["errors"][0]["code"] == "form_param_value_invalid"
        missing = await client.get("/locum/messages/ema_missing")
        assert (missing.status_code, missing.json()["errors"][0]["code"]) == (404, "resource_not_found")

    async def test_other_instances_see_nothing(
        self, other_client: httpx.AsyncClient, sent: list[dict[str, Any]]
    ) -> None:
        assert (await other_client.get("/locum/messages")).json() == {"data": [], "total_count": 0}
        assert (await other_client.get(f"/locum/messages/{sent[0]['id']}")).status_code == 404
