"""Email Addresses operations; the rules they share with phone numbers are covered most fully here."""

import hashlib
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from locum.db.models import EmailAddress, Verification
from tests.builders import error_code, inspection_session, make_user, unique_email
from tests.conftest import RecordedEvents
from tests.verification_codes import frozen_clock, messaged_code, wrong_code

ADMIN_VERIFIED = {
    "object": "verification_admin",
    "status": "verified",
    "strategy": "admin",
    "attempts": None,
    "expire_at": None,
}
TEN_MINUTES_MS = 10 * 60 * 1000


async def add_email(client: httpx.AsyncClient, user_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/email_addresses", json={"user_id": user_id, "email_address": unique_email(), **body}
    )
    assert response.status_code == 200, response.text
    email: dict[str, Any] = response.json()
    return email


async def get_user(client: httpx.AsyncClient, user_id: str) -> dict[str, Any]:
    user: dict[str, Any] = (await client.get(f"/v1/users/{user_id}")).json()
    return user


async def prepare(client: httpx.AsyncClient, email_id: str) -> dict[str, Any]:
    response = await client.post(f"/v1/email_addresses/{email_id}/prepare_verification")
    assert response.status_code == 200, response.text
    verification: dict[str, Any] = response.json()
    return verification


async def attempt(client: httpx.AsyncClient, email_id: str, verification_id: str, code: str) -> httpx.Response:
    body = {"verification_id": verification_id, "code": code}
    return await client.post(f"/v1/email_addresses/{email_id}/attempt_verification", json=body)


class TestCreateEmailAddress:
    async def test_unverified_by_default_and_not_primary_beside_one(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"])
        assert email["object"] == "email_address" and email["id"].startswith("idn_")
        assert email["verification"] is None and email["reserved"] is False
        after = await get_user(client, user["id"])
        assert after["primary_email_address_id"] == user["primary_email_address_id"]
        assert [e["id"] for e in after["email_addresses"]] == [user["email_addresses"][0]["id"], email["id"]]
        assert (await recorded_events())[-1] == ("user.updated", after)

    async def test_verified_primary(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"], verified=True, primary=True)
        assert email["verification"] == ADMIN_VERIFIED
        assert (await get_user(client, user["id"]))["primary_email_address_id"] == email["id"]

    async def test_first_email_becomes_primary(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, email_address=None, username="no_email_yet")
        email = await add_email(client, user["id"])
        assert (await get_user(client, user["id"]))["primary_email_address_id"] == email["id"]

    async def test_explicit_primary_false_keeps_first_email_secondary(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, email_address=None, username="no_primary")
        await add_email(client, user["id"], verified=True, primary=False)
        assert (await get_user(client, user["id"]))["primary_email_address_id"] is None

    async def test_unverified_cannot_be_primary_beside_a_verified_one(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        before = await recorded_events()
        body = {"user_id": user["id"], "email_address": unique_email(), "primary": True}
        response = await client.post("/v1/email_addresses", json=body)
        assert response.status_code == 400 and error_code(response) == "breaks_instance_invariant"
        assert await recorded_events() == before
        assert await get_user(client, user["id"]) == user

    async def test_duplicate_is_form_identifier_exists_in_any_case(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        owner = await make_user(client, email_address=["Taken@Example.com"])
        other = await make_user(client)
        before = await recorded_events()
        for user_id in (owner["id"], other["id"]):
            body = {"user_id": user_id, "email_address": "taken@EXAMPLE.com"}
            response = await client.post("/v1/email_addresses", json=body)
            assert response.status_code == 422 and error_code(response) == "form_identifier_exists"
            assert response.json()["errors"][0]["meta"] == {"param_name": "email_address"}
        assert await recorded_events() == before

    async def test_unknown_user_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/email_addresses", json={"user_id": "user_missing", "email_address": unique_email()}
        )
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_user_of_another_instance_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(other_client)
        response = await client.post(
            "/v1/email_addresses", json={"user_id": user["id"], "email_address": unique_email()}
        )
        assert response.status_code == 404

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"email_address": "not-an-email"}, "form_param_format_invalid", id="bad-email"),
            pytest.param({"user_id": None}, "form_param_missing", id="missing-user-id"),
            pytest.param({"email_address": None}, "form_param_missing", id="missing-email"),
            pytest.param({"nickname": "x"}, "form_param_unknown", id="unknown-field"),
            pytest.param({"verified": "sometimes"}, "form_param_type_invalid", id="wrong-type"),
        ],
    )
    async def test_bad_input_is_422(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client)
        request = {"user_id": user["id"], "email_address": unique_email()} | body
        response = await client.post("/v1/email_addresses", json={k: v for k, v in request.items() if v is not None})
        assert response.status_code == 422, response.text
        assert error_code(response) == code


class TestGetEmailAddress:
    async def test_round_trip(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        email = user["email_addresses"][0]
        response = await client.get(f"/v1/email_addresses/{email['id']}")
        assert response.status_code == 200 and response.json() == email

    async def test_unknown_id_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/email_addresses/idn_missing")
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_other_instance_is_404(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        assert (await other_client.get(f"/v1/email_addresses/{user['email_addresses'][0]['id']}")).status_code == 404


class TestUpdateEmailAddress:
    async def test_verify_then_make_primary(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"])
        response = await client.patch(f"/v1/email_addresses/{email['id']}", json={"verified": True, "primary": True})
        assert response.status_code == 200, response.text
        assert response.json()["verification"] == ADMIN_VERIFIED
        after = await get_user(client, user["id"])
        assert after["primary_email_address_id"] == email["id"]
        assert (await recorded_events())[-1] == ("user.updated", after)

    async def test_unverify(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"], verified=True)
        updated = (await client.patch(f"/v1/email_addresses/{email['id']}", json={"verified": False})).json()
        assert updated["verification"] is None and updated["reserved"] is False
        assert (await get_user(client, user["id"]))["email_addresses"][1] == updated

    async def test_unverified_only_identification_stays_reserved(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        email_id = user["email_addresses"][0]["id"]
        updated = (await client.patch(f"/v1/email_addresses/{email_id}", json={"verified": False})).json()
        assert updated["verification"] is None and updated["reserved"] is True

    async def test_unverified_cannot_become_primary(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"])
        response = await client.patch(f"/v1/email_addresses/{email['id']}", json={"primary": True})
        assert response.status_code == 400 and error_code(response) == "breaks_instance_invariant"

    async def test_primary_false_is_rejected(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.patch(
            f"/v1/email_addresses/{user['email_addresses'][0]['id']}", json={"primary": False}
        )
        assert response.status_code == 400 and error_code(response) == "form_param_value_invalid"

    async def test_no_change_records_no_event(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        before = await recorded_events()
        email = user["email_addresses"][0]
        response = await client.patch(f"/v1/email_addresses/{email['id']}", json={"verified": True, "primary": True})
        assert response.status_code == 200 and response.json() == email
        assert await recorded_events() == before

    async def test_unknown_field_is_400(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.patch(
            f"/v1/email_addresses/{user['email_addresses'][0]['id']}", json={"reserved": True}
        )
        assert response.status_code == 400 and error_code(response) == "form_param_unknown"

    async def test_unknown_and_foreign_ids_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        assert (await client.patch("/v1/email_addresses/idn_missing", json={})).status_code == 404
        foreign = await other_client.patch(f"/v1/email_addresses/{user['email_addresses'][0]['id']}", json={})
        assert foreign.status_code == 404


class TestDeleteEmailAddress:
    async def test_deletes_and_records_event(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"])
        response = await client.delete(f"/v1/email_addresses/{email['id']}")
        assert response.status_code == 200
        assert response.json() == {"object": "email_address", "id": email["id"], "deleted": True}
        after = await get_user(client, user["id"])
        assert after["email_addresses"] == user["email_addresses"]
        assert (await recorded_events())[-1] == ("user.updated", after)
        assert (await client.get(f"/v1/email_addresses/{email['id']}")).status_code == 404

    async def test_deleting_primary_moves_it_to_the_newest_verified(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        older = await add_email(client, user["id"], verified=True)
        newer = await add_email(client, user["id"], verified=True)
        await add_email(client, user["id"])
        await client.delete(f"/v1/email_addresses/{user['primary_email_address_id']}")
        assert (await get_user(client, user["id"]))["primary_email_address_id"] == newer["id"]
        await client.delete(f"/v1/email_addresses/{newer['id']}")
        assert (await get_user(client, user["id"]))["primary_email_address_id"] == older["id"]

    async def test_deleting_primary_without_verified_successor_clears_it(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        await add_email(client, user["id"])
        await client.delete(f"/v1/email_addresses/{user['primary_email_address_id']}")
        assert (await get_user(client, user["id"]))["primary_email_address_id"] is None

    async def test_last_identification_cannot_go(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        before = await recorded_events()
        response = await client.delete(f"/v1/email_addresses/{user['email_addresses'][0]['id']}")
        assert response.status_code == 400 and error_code(response) == "identification_deletion_failed"
        assert await recorded_events() == before

    async def test_last_sign_in_identification_cannot_go(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, phone_number=["+14155550100"])
        phone_id = user["phone_numbers"][0]["id"]
        patched = await client.patch(f"/v1/phone_numbers/{phone_id}", json={"reserved_for_second_factor": True})
        assert patched.status_code == 200, patched.text
        response = await client.delete(f"/v1/email_addresses/{user['email_addresses'][0]['id']}")
        assert response.status_code == 400 and error_code(response) == "identification_deletion_failed"

    async def test_a_username_is_enough_to_keep(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, username="keeps_a_username")
        assert (await client.delete(f"/v1/email_addresses/{user['email_addresses'][0]['id']}")).status_code == 200
        after = await get_user(client, user["id"])
        assert after["email_addresses"] == [] and after["primary_email_address_id"] is None

    async def test_linked_to_a_connected_account_cannot_go(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        user = await make_user(client, username="has_oauth_link")
        email_id = user["email_addresses"][0]["id"]
        async with inspection_session(app) as session:
            row = await session.get_one(EmailAddress, email_id)
            row.linked_to = [{"type": "oauth_google", "id": "idn_google"}]
            await session.commit()
        response = await client.delete(f"/v1/email_addresses/{email_id}")
        assert response.status_code == 400 and error_code(response) == "delete_linked_identification_disallowed"

    async def test_unknown_and_foreign_ids_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client, username="two_identifiers")
        assert (await client.delete("/v1/email_addresses/idn_missing")).status_code == 404
        assert (await other_client.delete(f"/v1/email_addresses/{user['email_addresses'][0]['id']}")).status_code == 404


class TestReplaceUserEmailAddress:
    async def test_replaces_all_with_one_verified_primary(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, email_address=[unique_email(), unique_email()])
        address = unique_email("replacement")
        response = await client.put(f"/v1/users/{user['id']}/email_address", json={"email_address": address})
        assert response.status_code == 200, response.text
        email = response.json()
        assert email["email_address"] == address and email["verification"] == ADMIN_VERIFIED
        after = await get_user(client, user["id"])
        assert after["email_addresses"] == [email] and after["primary_email_address_id"] == email["id"]
        assert (await recorded_events())[-1] == ("user.updated", after)
        for old in user["email_addresses"]:
            assert (await client.get(f"/v1/email_addresses/{old['id']}")).status_code == 404

    @pytest.mark.parametrize(
        ("status", "reserved"),
        [pytest.param("reserved", True, id="reserved"), pytest.param("unverified", False, id="unverified")],
    )
    async def test_identification_status(self, client: httpx.AsyncClient, status: str, reserved: bool) -> None:
        user = await make_user(client)
        body = {"email_address": unique_email(), "identification_status": status}
        email = (await client.put(f"/v1/users/{user['id']}/email_address", json=body)).json()
        assert email["verification"] is None and email["reserved"] is reserved
        assert (await get_user(client, user["id"]))["primary_email_address_id"] == email["id"]

    async def test_same_address_can_replace_itself(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        address = user["email_addresses"][0]["email_address"]
        response = await client.put(f"/v1/users/{user['id']}/email_address", json={"email_address": address.upper()})
        assert response.status_code == 200, response.text
        assert response.json()["id"] != user["email_addresses"][0]["id"]

    async def test_address_of_another_user_is_taken(self, client: httpx.AsyncClient) -> None:
        other = await make_user(client)
        user = await make_user(client)
        body = {"email_address": other["email_addresses"][0]["email_address"]}
        response = await client.put(f"/v1/users/{user['id']}/email_address", json=body)
        assert response.status_code == 422 and error_code(response) == "form_identifier_exists"
        assert await get_user(client, user["id"]) == user

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"email_address": "nope"}, "form_param_format_invalid", id="bad-email"),
            pytest.param({}, "form_param_missing", id="missing-email"),
            pytest.param(
                {"email_address": "a@b.co", "identification_status": "maybe"},
                "form_param_value_invalid",
                id="bad-status",
            ),
            pytest.param({"email_address": "a@b.co", "primary": True}, "form_param_unknown", id="unknown-field"),
        ],
    )
    async def test_bad_input_is_422(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client)
        response = await client.put(f"/v1/users/{user['id']}/email_address", json=body)
        assert response.status_code == 422 and error_code(response) == code

    async def test_unknown_and_foreign_users_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        body = {"email_address": unique_email()}
        assert (await client.put("/v1/users/user_missing/email_address", json=body)).status_code == 404
        assert (await other_client.put(f"/v1/users/{user['id']}/email_address", json=body)).status_code == 404


class TestPrepareEmailAddressVerification:
    async def test_creates_a_pending_verification_and_sends_the_code(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        recorded_events: RecordedEvents,
    ) -> None:
        user = await make_user(client)
        email = user["email_addresses"][0]
        before = await recorded_events()
        with frozen_clock(1_800_000_000_000):
            verification = await prepare(client, email["id"])
        code = await messaged_code(client, email["email_address"])
        assert verification == {
            "object": "verification_otp",
            "id": verification["id"],
            "status": "unverified",
            "strategy": "email_code",
            "attempts": 0,
            "expire_at": 1_800_000_000_000 + TEN_MINUTES_MS,
            "channel": None,
        }
        assert verification["id"].startswith("ver_") and code not in str(verification)
        async with inspection_session(app) as session:
            row = await session.get_one(Verification, verification["id"])
        assert row.identification_id == email["id"] and row.code_digest == hashlib.sha256(code.encode()).hexdigest()
        # The code goes out as an email (tests/api/test_messages.py); the user does not change.
        assert [kind for kind, _ in await recorded_events()] == [kind for kind, _ in before] + ["email.created"]
        assert await get_user(client, user["id"]) == user

    async def test_unknown_and_foreign_ids_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        assert (await client.post("/v1/email_addresses/idn_missing/prepare_verification")).status_code == 404
        foreign = await other_client.post(
            f"/v1/email_addresses/{user['email_addresses'][0]['id']}/prepare_verification"
        )
        assert foreign.status_code == 404


class TestAttemptEmailAddressVerification:
    async def test_wrong_then_right_then_again(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"])
        verification = await prepare(client, email["id"])
        code = await messaged_code(client, email["email_address"])
        before = await recorded_events()

        wrong = await attempt(client, email["id"], verification["id"], wrong_code(code))
        assert wrong.status_code == 200
        assert wrong.json() | {"status": "unverified", "attempts": 1} == wrong.json()
        assert await recorded_events() == before

        right = (await attempt(client, email["id"], verification["id"], code)).json()
        assert right == verification | {"status": "verified", "attempts": 2}
        verified = (await client.get(f"/v1/email_addresses/{email['id']}")).json()["verification"]
        assert verified == {
            "object": "verification_otp",
            "status": "verified",
            "strategy": "email_code",
            "attempts": 2,
            "expire_at": verification["expire_at"],
        }
        after = await get_user(client, user["id"])
        assert after["email_addresses"][1]["verification"] == verified
        assert await recorded_events() == [*before, ("user.updated", after)]

        again = await attempt(client, email["id"], verification["id"], code)
        assert again.status_code == 400 and error_code(again) == "verification_already_verified"

    async def test_third_wrong_code_fails_it_for_good(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"])
        verification = await prepare(client, email["id"])
        code = await messaged_code(client, email["email_address"])
        statuses = [
            (await attempt(client, email["id"], verification["id"], wrong_code(code))).json()["status"]
            for _ in range(3)
        ]
        assert statuses == ["unverified", "unverified", "failed"]
        last = (await attempt(client, email["id"], verification["id"], code)).json()
        assert last["status"] == "failed" and last["attempts"] == 3
        assert (await client.get(f"/v1/email_addresses/{email['id']}")).json()["verification"] is None

    async def test_expired_code(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"])
        with frozen_clock(1_800_000_000_000) as move_to:
            verification = await prepare(client, email["id"])
            code = await messaged_code(client, email["email_address"])
            move_to(verification["expire_at"] - 1)
            assert (await attempt(client, email["id"], verification["id"], wrong_code(code))).json()["attempts"] == 1
            move_to(verification["expire_at"])
            expired = (await attempt(client, email["id"], verification["id"], code)).json()
        assert expired["status"] == "expired" and expired["attempts"] == 1
        assert (await client.get(f"/v1/email_addresses/{email['id']}")).json()["verification"] is None

    async def test_verifying_replaces_a_reserved_primary(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        body = {"email_address": unique_email(), "identification_status": "reserved"}
        await client.put(f"/v1/users/{user['id']}/email_address", json=body)
        email = await add_email(client, user["id"])
        verification = await prepare(client, email["id"])
        await attempt(client, email["id"], verification["id"], await messaged_code(client, email["email_address"]))
        after = await get_user(client, user["id"])
        assert after["primary_email_address_id"] == email["id"]
        assert [e["reserved"] for e in after["email_addresses"]] == [False, False]

    async def test_verified_address_is_left_unchanged(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        email = user["email_addresses"][0]
        verification = await prepare(client, email["id"])
        before = await recorded_events()
        right = await attempt(
            client, email["id"], verification["id"], await messaged_code(client, email["email_address"])
        )
        assert right.json()["status"] == "verified"
        assert await get_user(client, user["id"]) == user
        assert await recorded_events() == before

    async def test_verification_of_another_address_is_404(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        email = await add_email(client, user["id"])
        verification = await prepare(client, user["email_addresses"][0]["id"])
        code = await messaged_code(client, user["email_addresses"][0]["email_address"])
        response = await attempt(client, email["id"], verification["id"], code)
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_unknown_ids_are_404(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        email_id = user["email_addresses"][0]["id"]
        verification = await prepare(client, email_id)
        assert (await attempt(client, email_id, "ver_missing", "123456")).status_code == 404
        assert (await attempt(client, "idn_missing", verification["id"], "123456")).status_code == 404
        assert (await attempt(other_client, email_id, verification["id"], "123456")).status_code == 404

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"verification_id": "ver_x"}, "form_param_missing", id="missing-code"),
            pytest.param({"code": "123456"}, "form_param_missing", id="missing-verification-id"),
            pytest.param(
                {"verification_id": "ver_x", "code": "1", "strategy": "x"},
                "form_param_unknown",
                id="unknown-field",
            ),
        ],
    )
    async def test_bad_input_is_400(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client)
        response = await client.post(
            f"/v1/email_addresses/{user['email_addresses'][0]['id']}/attempt_verification", json=body
        )
        assert response.status_code == 400 and error_code(response) == code
