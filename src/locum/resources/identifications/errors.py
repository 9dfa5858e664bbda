"""Clerk's errors of the email address and phone number operations that only they raise."""

import phonenumbers

from locum.api.errors import ClerkError


def unsupported_country_code(phone_number: str, country: str) -> ClerkError:
    """A phone number in a country the instance blocks SMS to (Clerk's catalogue: 403)."""
    # Imported here, when the error is raised: the geocoder's data is about 100 MB in every worker
    # and 0.4 s of start-up.
    from phonenumbers import geocoder

    name = geocoder.country_name_for_number(phonenumbers.parse(phone_number, None), "en") or country
    return ClerkError(
        403,
        "unsupported_country_code",
        "Unsupported country code",
        f"Phone numbers from this country ({name}) are currently not supported: the instance blocks SMS to it.",
        {"param_name": "phone_number"},
    )
