"""Clerk's errors of GetPublicInterstitial (the spec declares 400 for its query parameters)."""

from locum.api.errors import ClerkError, malformed_request_parameters


def missing_query_parameter() -> ClerkError:
    return ClerkError(
        400,
        "missing_query_parameter",
        "missing query parameter",
        "Either publishable_key or frontend_api must be given.",
        {"param_name": "publishable_key"},
    )


def publishable_key_invalid() -> ClerkError:
    return malformed_request_parameters("publishable_key is not a valid publishable key.")


def frontend_api_invalid() -> ClerkError:
    return malformed_request_parameters("frontend_api must be a host name, such as clerk.example.com.")


def domain_invalid() -> ClerkError:
    return malformed_request_parameters("domain must be a host name, such as example.com.")


def use_domain_for_script_invalid() -> ClerkError:
    return malformed_request_parameters("use_domain_for_script must be true or false.")


def url_invalid(name: str) -> ClerkError:
    return malformed_request_parameters(f"{name} must be an absolute http(s) URL.")
