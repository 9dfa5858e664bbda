"""Clerk's test mode: reserved addresses and numbers that verify with a fixed code and get nothing.

The instance's `test_mode` setting (instances/configuration.py; UpdateInstance and
UpdateInstanceAuthConfig change it) turns it on and off: on by default in development instances
(Clerk: "Defaults to true for development instances"), off in production ones. Test email
addresses carry the `+clerk_test` subaddress (`jane+clerk_test@example.com`); test phone numbers are
the fictional +1 (any area code) 555-0100 to 555-0199. Their one-time code is always
TEST_MODE_CODE, and no email or SMS is recorded, sent or announced (`email.created`/`sms.created`).
"""

import re
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from locum.instances import configuration
from locum.instances.context import RequestContext

TEST_MODE_CODE = "424242"
TEST_EMAIL_SUBADDRESS = "+clerk_test"
_TEST_PHONE_NUMBER = re.compile(r"\+1\d{3}55501\d{2}")

Channel = Literal["email", "sms"]


async def in_test_mode(session: AsyncSession, ctx: RequestContext) -> bool:
    return bool((await configuration.read_group(session, ctx, configuration.INSTANCE))["test_mode"])


def is_test_address(channel: Channel, address: str) -> bool:
    if channel == "email":
        local_part = address.rpartition("@")[0]
        return TEST_EMAIL_SUBADDRESS in local_part.lower()
    return _TEST_PHONE_NUMBER.fullmatch(address) is not None


async def is_test_recipient(session: AsyncSession, ctx: RequestContext, channel: Channel, address: str) -> bool:
    # The address first: most recipients aren't test ones, and then the setting needn't be read.
    return is_test_address(channel, address) and await in_test_mode(session, ctx)
