"""Clerk's errors of the Email & SMS Templates operations."""

from locum.api.errors import ClerkError, form_param_value_invalid, not_found
from locum.messages.catalogue import TEMPLATE_TYPES


def template_not_found() -> ClerkError:
    return not_found("template")


def unknown_template_type() -> ClerkError:
    return form_param_value_invalid(
        "template_type", f"template_type must be one of {', '.join(TEMPLATE_TYPES)}.", status=400
    )
