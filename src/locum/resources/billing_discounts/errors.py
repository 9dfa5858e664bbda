"""Clerk's errors of the subscription item discount operations (and locum's discount definitions)."""

from locum.api.errors import ClerkError, form_param_missing, form_param_value_invalid, not_found


def discount_not_found() -> ClerkError:
    return not_found("discount")


def discount_already_applied() -> ClerkError:
    return ClerkError(
        409,
        "discount_already_applied",
        "discount already applied",
        "This discount is already the active discount of the subscription item.",
        {"param_name": "discount_id"},
    )


def discount_not_applied() -> ClerkError:
    return ClerkError(
        409,
        "discount_not_applied",
        "discount not applied",
        "This discount is not the active discount of the subscription item.",
        {"param_name": "discount_id"},
    )


def subscription_item_not_discountable(status: str) -> ClerkError:
    return ClerkError(
        409,
        "subscription_item_not_discountable",
        "subscription item has no upcoming charge",
        f"A discount can't be applied to a {status} subscription item: it will not be charged again.",
    )


def discount_value_missing(param: str) -> ClerkError:
    return form_param_missing(param)


def discount_value_not_allowed(param: str, effect: str) -> ClerkError:
    return form_param_value_invalid(param, f"{param} can't be given for a discount whose effect is {effect}.")


def currency_not_supported(currency: str) -> ClerkError:
    return form_param_value_invalid("currency", f"{currency} is not a supported currency: discounts are in USD.")
