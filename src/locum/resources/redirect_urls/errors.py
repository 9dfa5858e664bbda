"""Clerk's errors of the Redirect URLs operations."""

from locum.api.errors import ClerkError, not_found


def redirect_url_not_found() -> ClerkError:
    return not_found("redirect URL")


def redirect_url_exists() -> ClerkError:
    return ClerkError(
        400,
        "duplicate_record",
        "duplicate redirect URL",
        "This redirect URL is already allowed for the instance.",
        {"param_name": "url"},
    )
