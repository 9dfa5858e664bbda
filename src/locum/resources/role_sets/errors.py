"""Clerk's errors of the Role Sets operations."""

from locum.api.errors import ClerkError, form_param_value_invalid, not_found
from locum.instances.organization_defaults import CREATOR_PERMISSIONS


def role_set_not_found() -> ClerkError:
    return not_found("role set")


def missing_creator_role_permissions(param: str) -> ClerkError:
    return ClerkError(
        422,
        "organization_missing_creator_role_permissions",
        "Creator role is missing required permissions",
        "The creator role must have the permissions " + ", ".join(sorted(CREATOR_PERMISSIONS)) + ".",
        {"param_name": param},
    )


def role_sets_quota_exceeded(quota: int) -> ClerkError:
    return ClerkError(
        403, "quota_exceeded", "Quota exceeded", f"The instance has reached its limit of {quota} role sets."
    )


def role_not_in_set(param: str, key: str) -> ClerkError:
    return form_param_value_invalid(param, f"{key!r} is not a role of this role set.")
