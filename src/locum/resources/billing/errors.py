"""Clerk's errors of the Billing operations (and of locum's /locum/billing ones)."""

from locum.api.errors import ClerkError, form_param_value_invalid, not_found


def plan_not_found() -> ClerkError:
    return ClerkError(404, "plan_not_found", "not found", "The requested billing plan could not be found.")


def price_not_found() -> ClerkError:
    return not_found("billing price")


def subscription_item_not_found() -> ClerkError:
    return not_found("subscription item")


def subscription_not_found() -> ClerkError:
    return ClerkError(404, "subscription_not_found", "not found", "The requested subscription could not be found.")


def statement_not_found() -> ClerkError:
    return not_found("billing statement")


def payer_not_found(kind: str) -> ClerkError:
    return not_found(kind)


def plan_slug_exists() -> ClerkError:
    return ClerkError(
        422,
        "form_identifier_exists",
        "slug already taken",
        "A plan with this slug already exists for this payer type.",
        {"param_name": "slug"},
    )


def default_plan_exists() -> ClerkError:
    return ClerkError(
        422,
        "form_param_value_invalid",
        "default plan exists",
        "There is already a default plan for this payer type.",
        {"param_name": "is_default"},
    )


def amount_invalid(name: str) -> ClerkError:
    return form_param_value_invalid(name, f"{name} must be 0 (complimentary) or at least 100 (cents).")


def currency_unsupported() -> ClerkError:
    return form_param_value_invalid("currency", "Billing supports only USD.")


def plan_payer_type_mismatch(payer_type: str) -> ClerkError:
    return form_param_value_invalid("plan_id", f"This plan is not for payers of type {payer_type}.")


def period_unsupported(period: str) -> ClerkError:
    return form_param_value_invalid("plan_period", f"This price cannot be billed per {period}.")


def already_subscribed() -> ClerkError:
    return ClerkError(
        409,
        "already_subscribed",
        "already subscribed",
        "The payer is already subscribed to this plan for this period.",
    )


def subscription_item_not_cancelable(status: str) -> ClerkError:
    return ClerkError(
        400,
        "subscription_item_not_cancelable",
        "cannot cancel subscription item",
        f"A subscription item that is {status} cannot be canceled.",
    )


def free_plan_not_cancelable() -> ClerkError:
    return ClerkError(
        400,
        "subscription_item_not_cancelable",
        "cannot cancel subscription item",
        "The default free plan cannot be canceled.",
    )


def not_in_free_trial() -> ClerkError:
    return ClerkError(
        400,
        "subscription_item_not_in_free_trial",
        "not in free trial",
        "The subscription item is not in a free trial period.",
    )


def extend_to_invalid(detail: str) -> ClerkError:
    return form_param_value_invalid("extend_to", detail)


def price_transition_conflict(detail: str) -> ClerkError:
    return ClerkError(409, "price_transition_not_allowed", "price transition not allowed", detail)


def to_price_invalid(detail: str) -> ClerkError:
    return form_param_value_invalid("to_price_id", detail)


def not_advanceable(status: str) -> ClerkError:
    return ClerkError(
        400,
        "subscription_item_not_advanceable",
        "cannot advance",
        f"A subscription item that is {status} has no period left to advance through.",
    )


def conflict_of_features() -> ClerkError:
    return ClerkError(409, "conflict", "Conflict", "A concurrent request changed the same features; try it again.")
