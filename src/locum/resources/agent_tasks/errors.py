"""The Agent Tasks group's Clerk errors."""

from locum.api.errors import ClerkError

ON_BEHALF_OF = "on_behalf_of"
IDENTIFIER = "on_behalf_of.identifier"
REDIRECT_URL = "redirect_url"


def on_behalf_of_missing() -> ClerkError:
    return ClerkError(
        422,
        "form_param_missing",
        "on_behalf_of must name a user",
        "on_behalf_of must include user_id or identifier.",
        {"param_name": ON_BEHALF_OF},
    )


def on_behalf_of_ambiguous() -> ClerkError:
    return ClerkError(
        422,
        "form_param_value_invalid",
        "is invalid",
        "on_behalf_of must include only one of user_id and identifier.",
        {"param_name": ON_BEHALF_OF},
    )


def identifier_not_found() -> ClerkError:
    return ClerkError(
        422,
        "form_identifier_not_found",
        "Couldn't find your account.",
        "No user of this instance has this verified email address or phone number, or this username.",
        {"param_name": IDENTIFIER},
    )


def redirect_url_invalid() -> ClerkError:
    return ClerkError(
        422,
        "form_param_format_invalid",
        "is invalid",
        "redirect_url must be an absolute http or https URL.",
        {"param_name": REDIRECT_URL},
    )


def redirect_url_insecure() -> ClerkError:
    return ClerkError(
        422,
        "insecure_url",
        "Insecure URL",
        "redirect_url must use https in production instances; http is allowed in development instances only.",
        {"param_name": REDIRECT_URL},
    )
