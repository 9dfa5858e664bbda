"""Clerk's errors of the organization membership operations."""

from locum.api.errors import ClerkError


def minimum_permissions_needed() -> ClerkError:
    return ClerkError(
        400,
        "organization_minimum_permissions_needed",
        "minimum organization permissions needed",
        "There has to be at least one organization member with the minimum required permissions",
    )
