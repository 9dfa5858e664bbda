"""Errors of the public JWKS document."""

from locum.api.errors import ClerkError, not_found


def no_instance_for_host() -> ClerkError:
    """No instance has the request's host as its Frontend API host, and there is no default instance
    (a database prepared without `locum serve`)."""
    return not_found("JWKS")
