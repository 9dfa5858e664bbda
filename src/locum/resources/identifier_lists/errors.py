"""Clerk's errors of the Allow-list / Block-list operations and of the restrictions they feed
(texts from Clerk's error catalogue)."""

from collections.abc import Sequence

from locum.api.errors import ClerkError


def identifier_not_found(identifier_id: str) -> ClerkError:
    return ClerkError(
        404, "resource_not_found", "Identifier not found", f"No identifier was found with id {identifier_id}"
    )


def duplicate_identifier(list_name: str, identifier: str) -> ClerkError:
    """`list_name`: "allowlist" or "blocklist"."""
    return ClerkError(
        400, "duplicate_record", f"duplicate {list_name} identifier", f"the identifier {identifier} already exists"
    )


def not_allowed_access(identifiers: Sequence[str]) -> ClerkError:
    """An identifier the allow-list leaves out or the block-list names."""
    verb = "is" if len(identifiers) == 1 else "are"
    return ClerkError(
        403,
        "not_allowed_access",
        "Access not allowed.",
        f"{', '.join(identifiers)} {verb} not allowed to access this application.",
    )


def email_subaddress_not_allowed() -> ClerkError:
    return ClerkError(
        403,
        "not_allowed_access",
        "Email subaddress not allowed.",
        "Email address must not contain the characters '+', '=', or '#'.",
        {"param_name": "email_address"},
    )


def disposable_email_address_blocked() -> ClerkError:
    return ClerkError(
        403,
        "form_email_address_blocked",
        "temporary email services are not allowed",
        "Temporary email services are not supported. Please use your regular email address to create an account.",
        {"param_name": "email_address"},
    )
