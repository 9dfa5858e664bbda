"""Clerk's errors of the M2M Tokens operations.

Verification answers as every verify endpoint of locum does: an unknown token (or one the calling
machine has no access to) is resource_not_found, a revoked one token_revoked, an expired one
token_expired, all 404 (Clerk's SDKs treat any answer but 200 as an invalid token).
"""

from locum.api.errors import ClerkError, not_found


def token_not_found() -> ClerkError:
    return not_found("M2M token")


def machine_token_reserved_claim(claim: str) -> ClerkError:
    return ClerkError(
        400,
        "machine_token_reserved_claim",
        "reserved claim used",
        f"You can't use the reserved claim: '{claim}'",
        {"param_name": "claims"},
    )


def jwt_claims_not_an_object() -> ClerkError:
    return ClerkError(
        400,
        "form_param_type_invalid",
        "is of the wrong type",
        "claims must be a JSON object for a token in the jwt format.",
        {"param_name": "claims"},
    )


def min_remaining_ttl_too_long(lifetime_seconds: float) -> ClerkError:
    return ClerkError(
        400,
        "form_param_value_invalid",
        "is invalid",
        f"min_remaining_ttl_seconds must be less than the token's lifetime ({lifetime_seconds:g} seconds).",
        {"param_name": "min_remaining_ttl_seconds"},
    )


def other_machines_tokens() -> ClerkError:
    return ClerkError(
        403,
        "authorization_invalid",
        "Unauthorized request",
        "A machine secret key can only list the tokens of its own machine.",
    )
