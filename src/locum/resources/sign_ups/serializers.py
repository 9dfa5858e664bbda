"""Sign-ups as Clerk's `SignUp` schema has them (object `sign_up_attempt`)."""

from locum.db.models import SignUp
from locum.kit.json_types import JSON

TICKET_STRATEGY = "ticket"
# A ticket sign-up asks for nothing beyond the invitation's address; these may come with it.
REQUIRED_FIELDS = ["email_address"]
OPTIONAL_FIELDS = ["first_name", "last_name", "password", "username"]


def _email_verification(sign_up: SignUp) -> JSON | None:
    """The invitation's ticket verified the address."""
    if sign_up.email_address is None:
        return None
    return {
        "status": "verified",
        "strategy": TICKET_STRATEGY,
        "attempts": None,
        "expire_at": None,
        "next_action": "",
        "supported_strategies": [TICKET_STRATEGY],
    }


def sign_up_json(sign_up: SignUp) -> JSON:
    return {
        "object": "sign_up_attempt",
        "id": sign_up.id,
        "status": sign_up.status,
        "required_fields": REQUIRED_FIELDS,
        "optional_fields": OPTIONAL_FIELDS,
        "missing_fields": [],
        "unverified_fields": [],
        "verifications": {
            "email_address": _email_verification(sign_up),
            "phone_number": None,
            "web3_wallet": None,
            "external_account": None,
        },
        "username": sign_up.username,
        "email_address": sign_up.email_address,
        "phone_number": None,
        "web3_wallet": None,
        "password_enabled": sign_up.password_enabled,
        "first_name": sign_up.first_name,
        "last_name": sign_up.last_name,
        "unsafe_metadata": sign_up.unsafe_metadata,
        "public_metadata": sign_up.public_metadata,
        "custom_action": sign_up.custom_action,
        "external_id": sign_up.external_id,
        "created_session_id": sign_up.created_session_id,
        "created_user_id": sign_up.created_user_id,
        "abandon_at": sign_up.abandon_at,
        "legal_accepted_at": None,
        "locale": None,
    }
