"""Every Phone Numbers operation through Clerk's official Python SDK against `locum serve`."""

import itertools

import pytest
from clerk_backend_api import Clerk, models
from clerk_backend_api.models import phonenumber

from tests.builders import unique_email
from tests.sdk.conftest import LocumServer
from tests.verification_codes import served_code, wrong_code

# Every SDK test shares one server instance, where numbers are unique: this range is only used here.
_numbers = itertools.count(1000)


def new_number() -> str:
    return f"+1650555{next(_numbers):04d}"


def test_create_get_update_delete(clerk: Clerk) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkphone")])
    number = new_number()
    created = clerk.phone_numbers.create(
        request={
            "user_id": user.id,
            "phone_number": number,
            "verified": True,
            "reserved_for_second_factor": True,
        }
    )
    assert isinstance(created, models.PhoneNumber) and created.phone_number == number
    assert created.reserved_for_second_factor and created.default_second_factor
    assert isinstance(created.verification, phonenumber.VerificationAdmin)
    assert clerk.phone_numbers.get(phone_number_id=created.id) == created

    updated = clerk.phone_numbers.update(phone_number_id=created.id, reserved_for_second_factor=False, primary=True)
    assert not updated.reserved_for_second_factor and not updated.default_second_factor
    assert clerk.users.get(user_id=user.id).primary_phone_number_id == created.id

    deleted = clerk.phone_numbers.delete(phone_number_id=created.id)
    assert isinstance(deleted, models.DeletedObject) and deleted.deleted and deleted.id == created.id
    assert clerk.users.get(user_id=user.id).phone_numbers == []


def test_replace_for_user(clerk: Clerk) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkphone")], phone_number=[new_number()])
    number = new_number()
    replaced = clerk.phone_numbers.replace_for_user(user_id=user.id, phone_number=number)
    assert isinstance(replaced, models.PhoneNumber) and isinstance(replaced.verification, phonenumber.VerificationAdmin)
    after = clerk.users.get(user_id=user.id)
    assert [p.id for p in after.phone_numbers] == [replaced.id] and after.primary_phone_number_id == replaced.id


def test_prepare_and_attempt_verification(clerk: Clerk, server: LocumServer) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkphone")])
    number = new_number()
    phone = clerk.phone_numbers.create(request={"user_id": user.id, "phone_number": number})
    prepared = clerk.phone_numbers.prepare_verification(phone_number_id=phone.id)
    assert isinstance(prepared, models.VerificationResponse)
    assert (prepared.status, prepared.strategy, prepared.channel) == ("unverified", "phone_code", "sms")
    code = served_code(server.origin, server.secret_key, number)

    wrong = clerk.phone_numbers.attempt_verification(
        phone_number_id=phone.id, verification_id=prepared.id, code=wrong_code(code)
    )
    assert (wrong.status, wrong.attempts) == ("unverified", 1)
    right = clerk.phone_numbers.attempt_verification(phone_number_id=phone.id, verification_id=prepared.id, code=code)
    assert (right.status, right.attempts) == ("verified", 2)
    verified = clerk.phone_numbers.get(phone_number_id=phone.id).verification
    assert isinstance(verified, phonenumber.VerificationOTP) and verified.strategy == "phone_code"

    with pytest.raises(models.ClerkErrors) as raised:
        clerk.phone_numbers.attempt_verification(phone_number_id=phone.id, verification_id=prepared.id, code=code)
    assert raised.value.data.errors[0].code == "verification_already_verified"


def test_errors_are_typed(clerk: Clerk) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkphone")])
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.phone_numbers.create(
            request={"user_id": user.id, "phone_number": new_number(), "reserved_for_second_factor": True}
        )
    assert raised.value.data.errors[0].code == "identification_create_second_factor_unverified"
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.phone_numbers.get(phone_number_id="idn_missing")
    assert raised.value.data.errors[0].code == "resource_not_found"
