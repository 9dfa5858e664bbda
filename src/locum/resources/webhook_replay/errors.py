"""Errors of the replay endpoints."""

from locum.api.errors import ClerkError, form_param_value_invalid


def endpoint_disabled() -> ClerkError:
    return form_param_value_invalid(
        "endpoint_id", "This webhook endpoint is disabled: enable it before replaying messages to it."
    )
