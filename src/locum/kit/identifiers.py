"""Normalising and validating identifiers (email, phone, username, web3 wallet) and input times.

Each function returns the normalised value, or None when the input is invalid; callers name the
parameter in Clerk's error.
"""

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

USERNAME_MIN_LENGTH = 4
USERNAME_MAX_LENGTH = 64
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")
ETHEREUM_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
SOLANA_ADDRESS = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")


def normalize_email(address: str) -> str | None:
    try:
        validated = validate_email(address.strip(), check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return None
    return validated.normalized


def email_lookup_key(address: str) -> str:
    """Email addresses are unique per instance regardless of case."""
    return address.strip().lower()


def normalize_phone(number: str) -> str | None:
    """E.164 (`+14155550100`); the leading `+` is required, as Clerk requires."""
    if not number.strip().startswith("+"):
        return None
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def username_problem(username: str) -> str | None:
    """Clerk's error code for an unacceptable username, or None."""
    if not USERNAME_MIN_LENGTH <= len(username) <= USERNAME_MAX_LENGTH:
        return "form_username_invalid_length"
    if not USERNAME_PATTERN.match(username):
        return "form_username_invalid_character"
    if username.isdigit():
        return "form_username_needs_non_number_char"
    return None


def normalize_web3_wallet(address: str) -> str | None:
    address = address.strip()
    if ETHEREUM_ADDRESS.match(address):
        return address.lower()
    if SOLANA_ADDRESS.match(address):
        return address
    return None
