"""Clerk's errors of locum's own messages endpoints."""

from locum.api.errors import ClerkError, not_found


def message_not_found() -> ClerkError:
    return not_found("message")
