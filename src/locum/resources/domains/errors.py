"""Clerk's errors of the Domains operations."""

from locum.api.errors import ClerkError, not_found


def domain_not_found() -> ClerkError:
    return not_found("domain")


def primary_domain_already_exists() -> ClerkError:
    return ClerkError(
        422,
        "primary_domain_already_exists",
        "primary domain already exists",
        "The instance already has its primary domain: only satellite domains (is_satellite=true) can be added.",
        {"param_name": "is_satellite"},
    )


def operation_not_allowed_on_primary_domain() -> ClerkError:
    return ClerkError(
        403,
        "operation_not_allowed_on_primary_domain",
        "operation not allowed on primary domain",
        "The instance's primary domain cannot be deleted.",
    )


def domain_exists() -> ClerkError:
    return ClerkError(
        422,
        "form_identifier_exists",
        "That domain is taken. Please try another.",
        "The instance already has a domain with this name.",
        {"param_name": "name"},
    )


def proxy_url_in_development(status: int, code: str) -> ClerkError:
    return ClerkError(
        status,
        code,
        "proxy_url is for production instances",
        "A proxy URL can only be set on the domains of a production instance.",
        {"param_name": "proxy_url"},
    )
