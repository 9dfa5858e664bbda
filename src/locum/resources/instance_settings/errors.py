"""Clerk's errors of the instance's organization settings operations."""

from locum.api.errors import ClerkError
from locum.instances.organization_defaults import CREATOR_PERMISSIONS


def missing_creator_role_permissions(missing: list[str]) -> ClerkError:
    return ClerkError(
        422,
        "organization_missing_creator_role_permissions",
        "The creator role is missing required permissions",
        f"The creator role must have the permissions {', '.join(sorted(CREATOR_PERMISSIONS))}; "
        f"missing: {', '.join(missing)}.",
        {"param_name": "creator_role_id"},
    )


def form_param_duplicate(name: str, value: str) -> ClerkError:
    return ClerkError(
        422, "form_param_duplicate", "is duplicate", f"{name} lists {value} more than once.", {"param_name": name}
    )
