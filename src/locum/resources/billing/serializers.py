"""Billing objects as Clerk renders them: CommercePlan (and the -2 variant the price transition and
free-trial operations answer), BillingPriceResponse, CommercePayerResponse, CommerceSubscription and
its items, BillingStatement and BillingPaymentAttempt; and the webhook events' data.

Money is integer cents rendered as CommerceMoneyResponse. locum has no payment processor: every
payer pays with one simulated card (`payment_method`), and the instance's payee is locum itself.
"""

from datetime import UTC, datetime
from typing import Any

from locum.db.models import (
    BillingPayer,
    BillingPaymentAttempt,
    BillingPrice,
    BillingStatement,
    BillingSubscription,
    BillingSubscriptionItem,
)
from locum.kit.ids import stable_id
from locum.kit.json_types import JSON
from locum.resources.billing.repository import PayerView, PlanView
from locum.resources.users.serializers import image_url

CURRENCY_SYMBOLS = {"USD": "$"}
MONTHS_A_YEAR = 12
SIMULATED_CARD_LAST4 = "4242"


def money_json(amount: int, currency: str = "USD") -> JSON:
    return {
        "amount": amount,
        "amount_formatted": f"{'-' if amount < 0 else ''}{abs(amount) // 100}.{abs(amount) % 100:02d}",
        "currency": currency,
        "currency_symbol": CURRENCY_SYMBOLS.get(currency, currency),
    }


def item_amount(price: BillingPrice, period: str) -> int:
    """What one period of `price` costs: a month, or a year at the annual monthly rate."""
    return price.annual_monthly_amount * MONTHS_A_YEAR if period == "annual" else price.amount


def feature_json(view_feature: Any) -> JSON:
    return {
        "object": "feature",
        "id": view_feature.id,
        "name": view_feature.name,
        "description": view_feature.description,
        "slug": view_feature.slug,
        "avatar_url": view_feature.avatar_url,
    }


def plan_json(view: PlanView) -> JSON:
    plan, price = view.plan, view.price
    monthly = price.amount
    annual_monthly = price.annual_monthly_amount
    return {
        "object": "commerce_plan",
        "id": plan.id,
        "name": plan.name,
        "fee": money_json(monthly, price.currency),
        "annual_monthly_fee": money_json(annual_monthly, price.currency),
        "annual_fee": money_json(annual_monthly * MONTHS_A_YEAR, price.currency),
        "description": plan.description,
        "product_id": plan.product_id,
        "is_default": plan.is_default,
        "is_recurring": True,
        "publicly_visible": plan.publicly_visible,
        "has_base_fee": monthly > 0 or annual_monthly > 0,
        "for_payer_type": plan.payer_type,
        "slug": plan.slug,
        "avatar_url": plan.avatar_url,
        "features": [feature_json(feature) for feature in view.features],
        "free_trial_enabled": plan.free_trial_days is not None and plan.free_trial_days > 0,
        "free_trial_days": plan.free_trial_days,
        "unit_prices": [],
    }


def plan_json_2(view: PlanView) -> JSON:
    """CommercePlan-2: the plan with its fees also spelled flat, as the older endpoints render it."""
    base = plan_json(view)
    price = view.price
    annual = price.annual_monthly_amount * MONTHS_A_YEAR
    return {
        **{key: value for key, value in base.items() if key != "unit_prices"},
        "amount": price.amount,
        "amount_formatted": base["fee"]["amount_formatted"],
        "annual_monthly_amount": price.annual_monthly_amount,
        "annual_monthly_amount_formatted": base["annual_monthly_fee"]["amount_formatted"],
        "annual_amount": annual,
        "annual_amount_formatted": base["annual_fee"]["amount_formatted"],
        "currency_symbol": CURRENCY_SYMBOLS.get(price.currency, price.currency),
        "currency": price.currency,
        "payer_type": [view.plan.payer_type],
        "avatar_url": view.plan.avatar_url or "",
        "period": "month",
        "interval": 1,
        "features": [{**feature_json(feature), "avatar_url": feature.avatar_url or ""} for feature in view.features],
    }


def price_json(price: BillingPrice) -> JSON:
    return {
        "object": "commerce_price",
        "id": price.id,
        "plan_id": price.plan_id,
        "instance_id": price.instance_id,
        "currency": price.currency,
        "currency_symbol": CURRENCY_SYMBOLS.get(price.currency, price.currency),
        "amount": price.amount,
        "annual_monthly_amount": price.annual_monthly_amount,
        "fee": money_json(price.amount, price.currency),
        "annual_monthly_fee": money_json(price.annual_monthly_amount, price.currency),
        "is_default": price.is_default,
        "description": price.description,
        "created_at": price.created_at,
        "supported_billing_periods": price.supported_billing_periods,
    }


def payer_json(view: PayerView, origin: str) -> JSON:
    payer = view.payer
    image_id = view.user.image_id if view.user else view.organization.image_id if view.organization else None
    return {
        "object": "commerce_payer",
        "id": payer.id,
        "instance_id": payer.instance_id,
        "user_id": payer.user_id,
        "first_name": view.user.first_name if view.user else None,
        "last_name": view.user.last_name if view.user else None,
        "email": view.email,
        "organization_id": payer.organization_id,
        "organization_name": view.organization.name if view.organization else None,
        "image_url": image_url(origin, image_id),
        "created_at": payer.created_at,
        "updated_at": payer.updated_at,
    }


def payer_event_json(view: PayerView, origin: str) -> JSON:
    """The webhooks' BillingPayerEventPayload: every name field a string ("" when the payer has none)."""
    document = payer_json(view, origin)
    del document["instance_id"]
    for name in ("user_id", "first_name", "last_name", "email", "organization_id", "organization_name"):
        document[name] = document[name] or ""
    return document


def payment_method_id(payer: BillingPayer) -> str:
    return stable_id("billing_payment_method", payer.id)


def payment_method_json(payer: BillingPayer) -> JSON:
    return {
        "object": "commerce_payment_method",
        "id": payment_method_id(payer),
        "payer_id": payer.id,
        "payment_type": "card",
        "is_default": True,
        "gateway": "locum",
        "gateway_external_id": f"locum_card_{payer.id}",
        "gateway_external_account_id": None,
        "last4": SIMULATED_CARD_LAST4,
        "status": "active",
        "wallet_type": None,
        "card_type": "visa",
        "expiry_year": None,
        "expiry_month": None,
        "created_at": payer.created_at,
        "updated_at": payer.updated_at,
        "is_removable": False,
    }


def payee_json(instance_id: str) -> JSON:
    payee_id = stable_id("billing_payee", instance_id)
    return {
        "id": payee_id,
        "gateway_type": "locum",
        "gateway_external_id": f"locum_{payee_id}",
        "gateway_status": "active",
    }


def _proration_date(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC).date().isoformat()


def next_payment(item: BillingSubscriptionItem, price: BillingPrice) -> tuple[int, int] | None:
    """(date, amount) of the item's next charge, or None when it renews no more."""
    if item.status not in ("active", "past_due", "upcoming") or item.period_end is None:
        return None
    date = item.period_start if item.status == "upcoming" else item.period_end
    return date, item_amount(price, item.plan_period)


def subscription_item_json(
    item: BillingSubscriptionItem, plan: PlanView, price: BillingPrice, payer: PayerView, origin: str
) -> JSON:
    upcoming = next_payment(item, price)
    return {
        "object": "commerce_subscription_item",
        "id": item.id,
        "instance_id": item.instance_id,
        "status": item.status,
        "plan_id": item.plan_id,
        "price_id": item.price_id,
        "plan": plan_json(plan),
        "plan_period": item.plan_period,
        "payment_method": payment_method_json(payer.payer),
        "lifetime_paid": money_json(item.lifetime_paid, price.currency),
        "next_payment": (
            {"amount": money_json(upcoming[1], price.currency), "date": upcoming[0]} if upcoming else None
        ),
        "payer_id": item.payer_id,
        "payer": payer_json(payer, origin),
        "is_free_trial": item.is_free_trial,
        "period_start": item.period_start,
        "period_end": item.period_end,
        "proration_date": _proration_date(item.period_start),
        "canceled_at": item.canceled_at,
        "past_due_at": item.past_due_at,
        "ended_at": item.ended_at,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def subscription_item_json_2(item: BillingSubscriptionItem, plan: PlanView, price: BillingPrice) -> JSON:
    """CommerceSubscriptionItem-2 (ExtendBillingSubscriptionItemFreeTrial, CreateBillingPriceTransition)."""
    upcoming = next_payment(item, price)
    return {
        "object": "commerce_subscription_item",
        "id": item.id,
        "instance_id": item.instance_id,
        "status": item.status,
        "plan_id": item.plan_id,
        "price_id": item.price_id,
        "plan": plan_json_2(plan),
        "plan_period": item.plan_period,
        "payment_source_id": stable_id("billing_payment_method", item.payer_id),
        "lifetime_paid": money_json(item.lifetime_paid, price.currency),
        "amount": money_json(item_amount(price, item.plan_period), price.currency),
        "next_payment": (
            {"amount": money_json(upcoming[1], price.currency), "date": upcoming[0]} if upcoming else None
        ),
        "payer_id": item.payer_id,
        "is_free_trial": item.is_free_trial,
        "period_start": item.period_start,
        "period_end": item.period_end,
        "proration_date": _proration_date(item.period_start),
        "canceled_at": item.canceled_at,
        "past_due_at": item.past_due_at,
        "ended_at": item.ended_at,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def subscription_json(
    subscription: BillingSubscription,
    items: list[JSON],
    next_payment_at: tuple[int, int] | None,
    *,
    eligible_for_free_trial: bool,
) -> JSON:
    document: JSON = {
        "object": "commerce_subscription",
        "id": subscription.id,
        "instance_id": subscription.instance_id,
        "status": subscription.status,
        "payer_id": subscription.payer_id,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
        "active_at": subscription.active_at,
        "past_due_at": subscription.past_due_at,
        "subscription_items": items,
        "eligible_for_free_trial": eligible_for_free_trial,
    }
    if next_payment_at is not None:
        document["next_payment"] = {"date": next_payment_at[0], "amount": money_json(next_payment_at[1])}
    return document


def payment_attempt_json(attempt: BillingPaymentAttempt, payer: PayerView, origin: str) -> JSON:
    amount = money_json(attempt.amount, attempt.currency)
    return {
        "object": "commerce_payment",
        "id": attempt.id,
        "payment_id": attempt.payment_id,
        "instance_id": attempt.instance_id,
        "charge_type": attempt.charge_type,
        "payee_id": payee_json(attempt.instance_id)["id"],
        "payee": payee_json(attempt.instance_id),
        "payer_id": attempt.payer_id,
        "payer": payer_json(payer, origin),
        "subscription_item_id": attempt.subscription_item_id,
        "amount": amount,
        "totals": {"subtotal": amount, "base_fee": amount, "tax_total": money_json(0), "grand_total": amount},
        "payment_method_id": payment_method_id(payer.payer),
        "payment_method": payment_method_json(payer.payer),
        "statement_id": attempt.statement_id,
        "gateway_external_id": f"locum_{attempt.payment_id}",
        "gateway_external_url": None,
        "status": attempt.status,
        "paid_at": attempt.paid_at,
        "failed_at": attempt.failed_at,
        "created_at": attempt.created_at,
        "updated_at": attempt.updated_at,
    }


def statement_json(
    statement: BillingStatement, attempts: list[BillingPaymentAttempt], payer: PayerView, origin: str
) -> JSON:
    """The statement's totals count what was paid; its payment attempts are grouped by day, newest first."""
    paid = sum(attempt.amount for attempt in attempts if attempt.status == "paid")
    total = money_json(paid, statement.currency)
    groups: dict[int, list[JSON]] = {}
    for attempt in attempts:
        day = attempt.created_at - attempt.created_at % 86_400_000
        groups.setdefault(day, []).append(payment_attempt_json(attempt, payer, origin))
    return {
        "object": "commerce_statement",
        "id": statement.id,
        "instance_id": statement.instance_id,
        "timestamp": statement.timestamp,
        "payer": payer_json(payer, origin),
        "status": statement.status,
        "totals": {"grand_total": total, "subtotal": total, "base_fee": total, "tax_total": money_json(0)},
        "groups": [
            {"object": "commerce_statement_group", "timestamp": day, "items": items}
            for day, items in sorted(groups.items(), reverse=True)
        ],
    }


# Webhook event data (the webhooks spec's payload schemas).


def event_plan_json(view: PlanView) -> JSON:
    return {
        "id": view.plan.id,
        "slug": view.plan.slug,
        "name": view.plan.name,
        "is_recurring": True,
        "amount": view.price.amount,
        "currency": view.price.currency,
    }


def subscription_item_event_json(item: BillingSubscriptionItem, plan: PlanView, payer: PayerView, origin: str) -> JSON:
    return {
        "object": "commerce_subscription_item",
        "id": item.id,
        "status": item.status,
        "is_free_trial": item.is_free_trial,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "period_start": item.period_start,
        "period_end": item.period_end,
        "interval": item.plan_period,
        "plan_id": item.plan_id,
        "plan": event_plan_json(plan),
        "payer": payer_event_json(payer, origin),
        "subscription_id": item.subscription_id,
    }


def subscription_event_json(
    subscription: BillingSubscription,
    item_documents: list[JSON],
    payer: PayerView,
    origin: str,
    *,
    latest_payment_id: str | None,
    canceled_at: int | None,
    ended_at: int | None,
) -> JSON:
    return {
        "object": "commerce_subscription",
        "id": subscription.id,
        "status": subscription.status,
        "active_at": subscription.active_at,
        "canceled_at": canceled_at,
        "created_at": subscription.created_at,
        "ended_at": ended_at,
        "past_due_at": subscription.past_due_at,
        "updated_at": subscription.updated_at,
        "latest_payment_id": latest_payment_id,
        "payer_id": subscription.payer_id,
        "payer": payer_event_json(payer, origin),
        "payment_source_id": payment_method_id(payer.payer),
        "items": item_documents,
    }


def payment_attempt_event_json(
    attempt: BillingPaymentAttempt, item_document: JSON, payer: PayerView, origin: str
) -> JSON:
    amount = money_json(attempt.amount, attempt.currency)
    method = payment_method_json(payer.payer)
    return {
        "id": attempt.id,
        "instance_id": attempt.instance_id,
        "payment_id": attempt.payment_id,
        "invoice_id": attempt.statement_id,
        "statement_id": attempt.statement_id,
        "gateway_external_id": f"locum_{attempt.payment_id}",
        "status": attempt.status,
        "created_at": attempt.created_at,
        "updated_at": attempt.updated_at,
        "paid_at": attempt.paid_at,
        "failed_at": attempt.failed_at,
        "failed_reason": (
            {"code": "card_declined", "decline_code": "generic_decline"} if attempt.status == "failed" else None
        ),
        "billing_date": attempt.created_at,
        "charge_type": attempt.charge_type,
        "payee": payee_json(attempt.instance_id),
        "payer": payer_event_json(payer, origin),
        "totals": {"subtotal": amount, "tax_total": money_json(0), "grand_total": amount},
        "payment_source": {
            "id": method["id"],
            "gateway": method["gateway"],
            "gateway_external_id": method["gateway_external_id"],
            "gateway_external_account_id": None,
            "payment_method": "card",
            "status": "active",
            "card_type": method["card_type"],
            "last4": method["last4"],
        },
        "subscription_items": [item_document],
    }
