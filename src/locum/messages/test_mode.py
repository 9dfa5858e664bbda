"""Clerk's test mode: reserved addresses and numbers that verify with a fixed code and get nothing.

On by default in development instances (Clerk: "Defaults to true for development instances"), off
in production ones. Test email addresses carry the `+clerk_test` subaddress
(`jane+clerk_test@example.com`); test phone numbers are the fictional +1 (any area code) 555-0100 to
555-0199. Their one-time code is always TEST_MODE_CODE, and no email or SMS is recorded, sent or
announced (`email.created`/`sms.created`).
"""

import re
from typing import Literal

from locum.db.models import Instance

TEST_MODE_CODE = "424242"
TEST_EMAIL_SUBADDRESS = "+clerk_test"
_TEST_PHONE_NUMBER = re.compile(r"\+1\d{3}55501\d{2}")

Channel = Literal["email", "sms"]


def in_test_mode(instance: Instance) -> bool:
    return instance.environment_type == "development"


def is_test_address(channel: Channel, address: str) -> bool:
    if channel == "email":
        local_part = address.rpartition("@")[0]
        return TEST_EMAIL_SUBADDRESS in local_part.lower()
    return _TEST_PHONE_NUMBER.fullmatch(address) is not None


def is_test_recipient(instance: Instance, channel: Channel, address: str) -> bool:
    return in_test_mode(instance) and is_test_address(channel, address)
