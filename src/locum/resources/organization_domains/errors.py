"""Clerk's errors of the organization domain operations."""

from locum.api.errors import ClerkError


def domains_not_enabled() -> ClerkError:
    return ClerkError(
        403,
        "organization_domains_not_enabled",
        "Organization domains are not enabled",
        "Verified domains are not enabled for this instance. Enable them in the organization settings.",
    )


def enrollment_mode_not_enabled(mode: str) -> ClerkError:
    return ClerkError(
        403,
        "organization_domain_enrollment_mode_not_enabled",
        "Enrollment mode not enabled",
        f"The {mode} enrollment mode is not enabled for this instance.",
        {"param_name": "enrollment_mode"},
    )


def domain_quota_exceeded(limit: int) -> ClerkError:
    return ClerkError(
        403,
        "organization_domain_quota_exceeded",
        "Domain quota exceeded",
        f"The organization has reached its limit of {limit} domains.",
    )


def domain_common(name: str) -> ClerkError:
    return ClerkError(
        422,
        "organization_domain_common",
        "Common email provider",
        f"{name} is a common email provider domain and cannot be added to an organization.",
        {"param_name": "name"},
    )


def domain_already_exists(*, same_organization: bool) -> ClerkError:
    if same_organization:
        return ClerkError(
            422,
            "organization_domain_already_exists_same_organization",
            "Domain already exists",
            "This domain has already been added to the organization.",
            {"param_name": "name"},
        )
    return ClerkError(
        422,
        "organization_domain_already_exists",
        "Domain already exists",
        "This domain is already used by another organization.",
        {"param_name": "name"},
    )
