"""Every Email Addresses operation through Clerk's official Python SDK against `locum serve`."""

import pytest
from clerk_backend_api import Clerk, models
from clerk_backend_api.models import emailaddress

from tests.builders import unique_email
from tests.sdk.conftest import LocumServer
from tests.verification_codes import served_code, wrong_code


def test_create_get_update_delete(clerk: Clerk) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkmail")])
    address = unique_email("sdkmail")
    created = clerk.email_addresses.create(request={"user_id": user.id, "email_address": address})
    assert isinstance(created, models.EmailAddress) and created.verification is None
    assert clerk.email_addresses.get(email_address_id=created.id) == created

    updated = clerk.email_addresses.update(email_address_id=created.id, verified=True, primary=True)
    assert isinstance(updated.verification, emailaddress.Admin) and updated.verification.status == "verified"
    assert clerk.users.get(user_id=user.id).primary_email_address_id == created.id

    deleted = clerk.email_addresses.delete(email_address_id=created.id)
    assert isinstance(deleted, models.DeletedObject) and deleted.deleted and deleted.id == created.id
    assert clerk.users.get(user_id=user.id).primary_email_address_id == user.email_addresses[0].id


def test_replace_for_user(clerk: Clerk) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkmail"), unique_email("sdkmail")])
    address = unique_email("sdkreplacement")
    replaced = clerk.email_addresses.replace_for_user(
        user_id=user.id, email_address=address, identification_status=models.IdentificationStatus.RESERVED
    )
    assert isinstance(replaced, models.EmailAddress) and replaced.reserved and replaced.verification is None
    after = clerk.users.get(user_id=user.id)
    assert [e.id for e in after.email_addresses] == [replaced.id] and after.primary_email_address_id == replaced.id


def test_prepare_and_attempt_verification(clerk: Clerk, server: LocumServer) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkmail")])
    address = unique_email("sdkcode")
    email = clerk.email_addresses.create(request={"user_id": user.id, "email_address": address})
    prepared = clerk.email_addresses.prepare_verification(email_address_id=email.id)
    assert isinstance(prepared, models.VerificationResponse)
    assert (prepared.status, prepared.strategy, prepared.attempts) == ("unverified", "email_code", 0)
    code = served_code(server.origin, server.secret_key, address)

    wrong = clerk.email_addresses.attempt_verification(
        email_address_id=email.id, verification_id=prepared.id, code=wrong_code(code)
    )
    assert (wrong.status, wrong.attempts) == ("unverified", 1)
    right = clerk.email_addresses.attempt_verification(
        email_address_id=email.id, verification_id=prepared.id, code=code
    )
    assert (right.status, right.attempts) == ("verified", 2)
    verified = clerk.email_addresses.get(email_address_id=email.id).verification
    assert isinstance(verified, emailaddress.Otp) and verified.strategy == "email_code"

    with pytest.raises(models.ClerkErrors) as raised:
        clerk.email_addresses.attempt_verification(email_address_id=email.id, verification_id=prepared.id, code=code)
    assert raised.value.data.errors[0].code == "verification_already_verified"


def test_errors_are_typed(clerk: Clerk) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkmail")])
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.email_addresses.delete(email_address_id=user.email_addresses[0].id)
    assert raised.value.data.errors[0].code == "identification_deletion_failed"
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.email_addresses.get(email_address_id="idn_missing")
    assert raised.value.data.errors[0].code == "resource_not_found"
