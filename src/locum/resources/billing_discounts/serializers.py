"""Discount redemptions as Clerk renders them (CommerceDiscountRedemptionResponse), and locum's own
discount definitions."""

from locum.db.models import BillingDiscount, BillingDiscountRedemption
from locum.kit.json_types import JSON, columns
from locum.resources.billing.serializers import money_json


def _percent_or_amount(row: BillingDiscount | BillingDiscountRedemption) -> JSON:
    return {
        "effect": row.effect,
        "percent_off": row.percent_off,
        "amount_off": None if row.amount_off is None else money_json(row.amount_off, row.currency),
    }


def discount_json(discount: BillingDiscount) -> JSON:
    return {
        "object": "commerce_discount",
        **columns(discount, "id", "name"),
        **_percent_or_amount(discount),
        **columns(discount, "cycles", "currency", "created_at", "updated_at"),
    }


def deleted_discount_json(discount_id: str) -> JSON:
    return {"object": "commerce_discount", "id": discount_id, "deleted": True}


def redemption_json(redemption: BillingDiscountRedemption) -> JSON:
    return {
        "object": "commerce_discount_redemption",
        **columns(redemption, "id", "subscription_item_id", "discount_id", "name", "source"),
        **_percent_or_amount(redemption),
        "amount": None if redemption.amount is None else money_json(redemption.amount, redemption.currency),
        **columns(redemption, "cycles_remaining", "cycles_applied", "status", "redeemed_at", "redeemed_by"),
    }
