"""Clerk's errors of the Beta Features operations."""

from locum.api.errors import ClerkError


def request_invalid_for_environment() -> ClerkError:
    return ClerkError(
        400,
        "request_invalid_for_environment",
        "Invalid request for environment",
        "Request only valid for production instances: only a production instance's domain can be changed.",
    )
