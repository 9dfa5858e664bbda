"""Clerk's errors of the organization operations (memberships and their limits included)."""

from locum.api.errors import ClerkError, form_param_value_invalid


def organizations_not_enabled() -> ClerkError:
    return ClerkError(
        403,
        "organization_not_enabled_in_instance",
        "Organizations feature is not enabled for this instance",
        "The organizations feature is not enabled for this instance. Enable it in the organization settings.",
    )


def role_not_found(key: str, *, param: str = "role") -> ClerkError:
    return form_param_value_invalid(param, f"{key!r} is not a role of this instance.")


def role_set_not_found(key: str) -> ClerkError:
    return form_param_value_invalid("role_set_key", f"{key!r} is not a role set of this instance.")


def slugs_disabled() -> ClerkError:
    return ClerkError(
        403,
        "organization_slugs_disabled",
        "Organization slugs are disabled",
        "Organization slugs are disabled for this instance; omit the slug.",
        {"param_name": "slug"},
    )


def creator_not_found() -> ClerkError:
    return ClerkError(
        400,
        "organization_creator_not_found",
        "Creator not found",
        "The user given as created_by could not be found.",
        {"param_name": "created_by"},
    )


def already_a_member() -> ClerkError:
    return ClerkError(
        400, "already_a_member_in_organization", "Already a member", "The user is already a member of the organization."
    )


def membership_quota_exceeded(limit: int) -> ClerkError:
    return ClerkError(
        403,
        "organization_membership_quota_exceeded",
        "Membership quota exceeded",
        f"The organization has reached its limit of {limit} memberships.",
    )
