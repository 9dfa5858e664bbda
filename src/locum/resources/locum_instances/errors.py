"""The /locum/instances endpoint's Clerk errors."""

from locum.api.errors import ClerkError


def not_default_instance() -> ClerkError:
    return ClerkError(
        403,
        "authorization_invalid",
        "Unauthorized request",
        "Only the default instance's secret key (the one `locum keys` prints) may create or list instances.",
    )
