"""Errors of locum's webhook endpoint API and of its dashboard link."""

from locum.api.errors import ClerkError, not_found

ENDPOINT_RESOURCE = "webhook endpoint"
MESSAGE_RESOURCE = "webhook message"


def endpoint_not_found() -> ClerkError:
    return not_found(ENDPOINT_RESOURCE)


def message_not_found() -> ClerkError:
    return not_found(MESSAGE_RESOURCE)


def form_param_nil(name: str) -> ClerkError:
    return ClerkError(422, "form_param_nil", "cannot be null", f"{name} cannot be null.", {"param_name": name})


def dashboard_key_invalid() -> ClerkError:
    return ClerkError(
        401,
        "authentication_invalid",
        "Invalid dashboard link",
        "This webhook dashboard link is invalid or has expired; get a new one with POST /v1/webhooks/svix_url.",
    )
