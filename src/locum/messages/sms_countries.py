"""The instance's SMS country blocklist (the communication settings' `blocked_country_codes`).

A phone number's country is the region libphonenumber gives it (ISO 3166-1 alpha-2); a country is
an SMS country when libphonenumber knows phone numbers of it, so a blocklist holds only those.
"""

import phonenumbers
from sqlalchemy.ext.asyncio import AsyncSession

from locum.instances import configuration
from locum.instances.context import RequestContext


def is_sms_country(code: str) -> bool:
    return code in phonenumbers.SUPPORTED_REGIONS


def country_of(phone_number: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone_number, None))
    except phonenumbers.NumberParseException:
        return None


async def blocked_country(session: AsyncSession, ctx: RequestContext, phone_number: str) -> str | None:
    """The country of `phone_number` when the instance blocks SMS to it, else None."""
    country = country_of(phone_number)
    if country is None:
        return None
    blocked = (await configuration.read_group(session, ctx, configuration.COMMUNICATION))["blocked_country_codes"]
    return country if country in blocked else None
