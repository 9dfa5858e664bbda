"""Phone Numbers operations: each one end to end, and the second-factor rules only phones have.
Rules shared with email addresses (primary, delete, replace, codes) are covered in depth in
test_email_addresses.py."""

import itertools
from typing import Any

import httpx
import pytest

from tests.builders import error_code, make_user
from tests.conftest import RecordedEvents
from tests.verification_codes import frozen_clock, messaged_code, wrong_code

# From 555-1000: 555-0100..0199 are Clerk's test numbers, which get the fixed code and no SMS.
_numbers = itertools.count(1000)


def new_number() -> str:
    return f"+1415555{next(_numbers):04d}"


async def add_phone(client: httpx.AsyncClient, user_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/phone_numbers", json={"user_id": user_id, "phone_number": new_number(), **body})
    assert response.status_code == 200, response.text
    phone: dict[str, Any] = response.json()
    return phone


async def get_user(client: httpx.AsyncClient, user_id: str) -> dict[str, Any]:
    user: dict[str, Any] = (await client.get(f"/v1/users/{user_id}")).json()
    return user


async def patch_phone(client: httpx.AsyncClient, phone_id: str, **body: Any) -> httpx.Response:
    return await client.patch(f"/v1/phone_numbers/{phone_id}", json=body)


class TestCreatePhoneNumber:
    async def test_normalises_to_e164_and_becomes_first_primary(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        response = await client.post(
            "/v1/phone_numbers", json={"user_id": user["id"], "phone_number": "+1 415 555 2671"}
        )
        assert response.status_code == 200, response.text
        phone = response.json()
        assert phone["object"] == "phone_number" and phone["phone_number"] == "+14155552671"
        assert phone["verification"] is None and phone["reserved_for_second_factor"] is False
        after = await get_user(client, user["id"])
        assert after["phone_numbers"] == [phone] and after["primary_phone_number_id"] == phone["id"]
        assert (await recorded_events())[-1] == ("user.updated", after)

    async def test_verified_second_factor_becomes_the_default(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        first = await add_phone(client, user["id"], verified=True, reserved_for_second_factor=True)
        second = await add_phone(client, user["id"], verified=True, reserved_for_second_factor=True)
        assert first["verification"]["strategy"] == "admin"
        assert (first["default_second_factor"], second["default_second_factor"]) == (True, False)
        after = await get_user(client, user["id"])
        assert after["two_factor_enabled"] is True and after["mfa_enabled_at"] is not None

    async def test_unverified_second_factor_is_rejected(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        before = await recorded_events()
        body = {"user_id": user["id"], "phone_number": new_number(), "reserved_for_second_factor": True}
        response = await client.post("/v1/phone_numbers", json=body)
        assert response.status_code == 400 and error_code(response) == "identification_create_second_factor_unverified"
        assert await recorded_events() == before

    async def test_duplicate_is_form_identifier_exists(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, phone_number=["+14155552671"])
        response = await client.post(
            "/v1/phone_numbers", json={"user_id": user["id"], "phone_number": "+1 (415) 555-2671"}
        )
        assert response.status_code == 422 and error_code(response) == "form_identifier_exists"
        assert response.json()["errors"][0]["meta"] == {"param_name": "phone_number"}

    async def test_unknown_and_foreign_users_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(other_client)
        for user_id in ("user_missing", user["id"]):
            response = await client.post("/v1/phone_numbers", json={"user_id": user_id, "phone_number": new_number()})
            assert response.status_code == 404 and error_code(response) == "resource_not_found"

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"phone_number": "4155552671"}, "form_param_format_invalid", id="no-country-code"),
            pytest.param({"phone_number": "+1234"}, "form_param_format_invalid", id="too-short"),
            pytest.param({"user_id": None}, "form_param_missing", id="missing-user-id"),
            pytest.param({"phone_number": None}, "form_param_missing", id="missing-phone"),
            pytest.param({"default_second_factor": True}, "form_param_unknown", id="unknown-field"),
        ],
    )
    async def test_bad_input_is_422(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client)
        request = {"user_id": user["id"], "phone_number": new_number()} | body
        response = await client.post("/v1/phone_numbers", json={k: v for k, v in request.items() if v is not None})
        assert response.status_code == 422, response.text
        assert error_code(response) == code


class TestGetPhoneNumber:
    async def test_round_trip(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"])
        response = await client.get(f"/v1/phone_numbers/{phone['id']}")
        assert response.status_code == 200 and response.json() == phone

    async def test_unknown_and_foreign_ids_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"])
        assert (await client.get("/v1/phone_numbers/idn_missing")).status_code == 404
        assert (await other_client.get(f"/v1/phone_numbers/{phone['id']}")).status_code == 404


class TestUpdatePhoneNumber:
    async def test_verify_make_primary_and_reserve(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, phone_number=[new_number()])
        phone = await add_phone(client, user["id"])
        response = await patch_phone(client, phone["id"], verified=True, primary=True, reserved_for_second_factor=True)
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["verification"]["status"] == "verified"
        assert updated["reserved_for_second_factor"] is True and updated["default_second_factor"] is True
        after = await get_user(client, user["id"])
        assert after["primary_phone_number_id"] == phone["id"] and after["two_factor_enabled"] is True
        assert (await recorded_events())[-1] == ("user.updated", after)

    async def test_unreserving_the_default_promotes_the_next(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        first = await add_phone(client, user["id"], verified=True, reserved_for_second_factor=True)
        second = await add_phone(client, user["id"], verified=True, reserved_for_second_factor=True)
        unreserved = (await patch_phone(client, first["id"], reserved_for_second_factor=False)).json()
        assert (unreserved["reserved_for_second_factor"], unreserved["default_second_factor"]) == (
            False,
            False,
        )
        assert (await client.get(f"/v1/phone_numbers/{second['id']}")).json()["default_second_factor"] is True

    async def test_unverified_cannot_be_second_factor(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"])
        response = await patch_phone(client, phone["id"], reserved_for_second_factor=True)
        assert response.status_code == 400 and error_code(response) == "identification_update_second_factor_unverified"

    async def test_last_sign_in_identification_cannot_be_second_factor(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, email_address=None, phone_number=[new_number()])
        before = await recorded_events()
        response = await patch_phone(client, user["phone_numbers"][0]["id"], reserved_for_second_factor=True)
        assert response.status_code == 400 and error_code(response) == "identification_update_failed"
        assert await recorded_events() == before

    async def test_primary_false_and_unknown_fields_are_400(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"])
        assert error_code(await patch_phone(client, phone["id"], primary=False)) == "form_param_value_invalid"
        response = await patch_phone(client, phone["id"], default_second_factor=True)
        assert response.status_code == 400 and error_code(response) == "form_param_unknown"

    async def test_unknown_and_foreign_ids_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"])
        assert (await patch_phone(client, "idn_missing", verified=True)).status_code == 404
        assert (await patch_phone(other_client, phone["id"], verified=True)).status_code == 404


class TestDeletePhoneNumber:
    async def test_deletes_and_moves_primary(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client, phone_number=[new_number()])
        successor = await add_phone(client, user["id"], verified=True)
        response = await client.delete(f"/v1/phone_numbers/{user['primary_phone_number_id']}")
        assert response.status_code == 200
        assert response.json() == {
            "object": "phone_number",
            "id": user["primary_phone_number_id"],
            "deleted": True,
        }
        after = await get_user(client, user["id"])
        assert after["phone_numbers"] == [successor] and after["primary_phone_number_id"] == successor["id"]
        assert (await recorded_events())[-1] == ("user.updated", after)

    async def test_deleting_the_default_second_factor_promotes_the_next(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        first = await add_phone(client, user["id"], verified=True, reserved_for_second_factor=True)
        second = await add_phone(client, user["id"], verified=True, reserved_for_second_factor=True)
        assert (await client.delete(f"/v1/phone_numbers/{first['id']}")).status_code == 200
        assert (await client.get(f"/v1/phone_numbers/{second['id']}")).json()["default_second_factor"] is True

    async def test_last_identification_cannot_go(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, email_address=None, phone_number=[new_number()])
        response = await client.delete(f"/v1/phone_numbers/{user['phone_numbers'][0]['id']}")
        assert response.status_code == 400 and error_code(response) == "identification_deletion_failed"

    async def test_unknown_and_foreign_ids_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"])
        assert (await client.delete("/v1/phone_numbers/idn_missing")).status_code == 404
        assert (await other_client.delete(f"/v1/phone_numbers/{phone['id']}")).status_code == 404


class TestReplaceUserPhoneNumber:
    async def test_replaces_all_with_one_verified_primary(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, phone_number=[new_number(), new_number()])
        number = new_number()
        response = await client.put(f"/v1/users/{user['id']}/phone_number", json={"phone_number": number})
        assert response.status_code == 200, response.text
        phone = response.json()
        assert phone["phone_number"] == number and phone["verification"]["strategy"] == "admin"
        after = await get_user(client, user["id"])
        assert after["phone_numbers"] == [phone] and after["primary_phone_number_id"] == phone["id"]
        assert (await recorded_events())[-1] == ("user.updated", after)

    async def test_replacing_a_second_factor_disables_mfa(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, totp_secret="JBSWY3DPEHPK3PXP", backup_codes=["one-code", "two-code"])
        await add_phone(client, user["id"], verified=True, reserved_for_second_factor=True)
        body = {"phone_number": new_number(), "identification_status": "reserved"}
        phone = (await client.put(f"/v1/users/{user['id']}/phone_number", json=body)).json()
        assert phone["reserved"] is True and phone["reserved_for_second_factor"] is False
        after = await get_user(client, user["id"])
        assert (after["two_factor_enabled"], after["totp_enabled"], after["backup_code_enabled"]) == (
            False,
            False,
            False,
        )
        assert after["mfa_disabled_at"] is not None

    async def test_replacing_plain_phones_keeps_mfa(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, totp_secret="JBSWY3DPEHPK3PXP", phone_number=[new_number()])
        await client.put(f"/v1/users/{user['id']}/phone_number", json={"phone_number": new_number()})
        after = await get_user(client, user["id"])
        assert after["totp_enabled"] is True and after["mfa_disabled_at"] is None

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"phone_number": "555"}, "form_param_format_invalid", id="bad-phone"),
            pytest.param({}, "form_param_missing", id="missing-phone"),
            pytest.param({"phone_number": "+14155552671", "verified": True}, "form_param_unknown", id="unknown-field"),
        ],
    )
    async def test_bad_input_is_422(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client)
        response = await client.put(f"/v1/users/{user['id']}/phone_number", json=body)
        assert response.status_code == 422 and error_code(response) == code

    async def test_unknown_and_foreign_users_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        body = {"phone_number": new_number()}
        assert (await client.put("/v1/users/user_missing/phone_number", json=body)).status_code == 404
        assert (await other_client.put(f"/v1/users/{user['id']}/phone_number", json=body)).status_code == 404


class TestPreparePhoneNumberVerification:
    async def test_sends_an_sms_code(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"])
        with frozen_clock(1_800_000_000_000):
            response = await client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification")
        assert response.status_code == 200, response.text
        verification = response.json()
        code = await messaged_code(client, phone["phone_number"])
        assert verification | {"status": "unverified", "strategy": "phone_code", "channel": "sms"} == verification
        assert verification["attempts"] == 0 and verification["expire_at"] == 1_800_000_000_000 + 10 * 60 * 1000
        assert code not in response.text

    async def test_unknown_and_foreign_ids_are_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"])
        assert (await client.post("/v1/phone_numbers/idn_missing/prepare_verification")).status_code == 404
        assert (await other_client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification")).status_code == 404


class TestAttemptPhoneNumberVerification:
    async def test_wrong_then_right_then_again(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"])
        verification = (await client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification")).json()
        code = await messaged_code(client, phone["phone_number"])
        url = f"/v1/phone_numbers/{phone['id']}/attempt_verification"
        wrong = (await client.post(url, json={"verification_id": verification["id"], "code": wrong_code(code)})).json()
        assert (wrong["status"], wrong["attempts"]) == ("unverified", 1)
        right = (await client.post(url, json={"verification_id": verification["id"], "code": code})).json()
        assert right == verification | {"status": "verified", "attempts": 2}
        after = await get_user(client, user["id"])
        assert after["phone_numbers"][0]["verification"] == {
            "object": "verification_otp",
            "status": "verified",
            "strategy": "phone_code",
            "attempts": 2,
            "expire_at": verification["expire_at"],
        }
        assert (await recorded_events())[-1] == ("user.updated", after)
        again = await client.post(url, json={"verification_id": verification["id"], "code": code})
        assert again.status_code == 400 and error_code(again) == "verification_already_verified"

    async def test_expired_code(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"])
        with frozen_clock(1_800_000_000_000) as move_to:
            verification = (await client.post(f"/v1/phone_numbers/{phone['id']}/prepare_verification")).json()
            move_to(verification["expire_at"] + 1)
            body = {"verification_id": verification["id"], "code": await messaged_code(client, phone["phone_number"])}
            expired = (await client.post(f"/v1/phone_numbers/{phone['id']}/attempt_verification", json=body)).json()
        assert expired["status"] == "expired"
        assert (await client.get(f"/v1/phone_numbers/{phone['id']}")).json()["verification"] is None

    async def test_unknown_ids_are_404_and_bad_input_400(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        phone = await add_phone(client, user["id"])
        url = f"/v1/phone_numbers/{phone['id']}/attempt_verification"
        assert (await client.post(url, json={"verification_id": "ver_missing", "code": "123456"})).status_code == 404
        assert (await other_client.post(url, json={"verification_id": "ver_missing", "code": "1"})).status_code == 404
        missing = await client.post(url, json={"verification_id": "ver_missing"})
        assert missing.status_code == 400 and error_code(missing) == "form_param_missing"
