"""Clerk's errors of the credit balance operations."""

from locum.api.errors import ClerkError, form_param_value_invalid, not_found


def user_not_found() -> ClerkError:
    return not_found("user")


def organization_not_found() -> ClerkError:
    return not_found("organization")


def currency_not_supported(currency: str) -> ClerkError:
    return form_param_value_invalid("currency", f"{currency} is not a supported currency: credits are in USD.")


def insufficient_credit_balance(balance: int, amount: int) -> ClerkError:
    return ClerkError(
        400,
        "insufficient_credit_balance",
        "insufficient credit balance",
        f"The credit balance ({balance}) is lower than the decrease ({amount}): a balance can't go below zero.",
        {"param_name": "amount"},
    )


def idempotency_key_reused() -> ClerkError:
    return ClerkError(
        409,
        "idempotency_key_reused",
        "idempotency key already used",
        "This idempotency_key was already used for an adjustment with other parameters.",
        {"param_name": "idempotency_key"},
    )
