"""Clerk's errors of the organization membership operations."""

from locum.api.errors import ClerkError


def minimum_permissions_needed() -> ClerkError:
    return ClerkError(
        400,
        "organization_minimum_permissions_needed",
        "minimum organization permissions needed",
        "There has to be at least one organization member with the minimum required permissions",
    )


def too_many_filter_values(name: str, limit: int) -> ClerkError:
    return ClerkError(
        422,
        "form_param_array_size_exceeded",
        "too many values",
        f"{name} accepts at most {limit} values.",
        {"param_name": name},
    )
