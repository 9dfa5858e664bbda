"""Clerk's errors of the JWT Templates operations."""

from locum.api.errors import ClerkError, not_found


def template_not_found() -> ClerkError:
    return not_found("JWT template")


def jwt_template_reserved_claim(claim: str) -> ClerkError:
    return ClerkError(
        400,
        "jwt_template_reserved_claim",
        "reserved claim used",
        f"You can't use the reserved claim: {claim}",
        {"param_name": "claims"},
    )
