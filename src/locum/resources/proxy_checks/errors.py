"""Clerk's errors of the Proxy Checks operation."""

from locum.api.errors import ClerkError, form_param_missing


def domain_id_missing() -> ClerkError:
    return form_param_missing("domain_id")


def proxy_url_missing() -> ClerkError:
    return ClerkError(
        422,
        "form_param_missing",
        "proxy_url must be included",
        "proxy_url must be included: the domain has no proxy URL of its own to check.",
        {"param_name": "proxy_url"},
    )
