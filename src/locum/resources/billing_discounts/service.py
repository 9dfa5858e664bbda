"""Discounts and their redemptions on subscription items.

Clerk's discounts (coupons) are defined in its dashboard; locum defines them through
/locum/billing/discounts. Applying one to a subscription item (Clerk's manual override: no
distribution rule is checked) redeems it: the redemption snapshots the discount and says what it
takes off the item's next charge, computed from the item's price for its period. At most one
redemption of an item is active: applying another discount removes the active one, re-applying the
active one is a conflict (409), and so is removing a discount that is not the active one. Items that
will not be charged again (canceled, ended, abandoned, or never paid for) take no discount (409).

Each application and removal locks the subscription item's row, so changes to one item's discount run
one at a time; the partial unique index on active redemptions backs this up.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.pagination import PageQuery, list_body
from locum.db.locking import locked, locked_for_delete
from locum.db.models import BillingDiscount, BillingSubscriptionItem
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.resources.billing.repository import PriceRepository, SubscriptionItemRepository
from locum.resources.billing.serializers import item_amount
from locum.resources.billing_discounts.errors import (
    currency_not_supported,
    discount_already_applied,
    discount_not_applied,
    discount_value_missing,
    discount_value_not_allowed,
    subscription_item_not_discountable,
)
from locum.resources.billing_discounts.repository import DiscountRepository, RedemptionRepository
from locum.resources.billing_discounts.schemas import CreateDiscountBody
from locum.resources.billing_discounts.serializers import deleted_discount_json, discount_json, redemption_json

SUPPORTED_CURRENCY = "USD"
# Items that are charged again, so that a discount has a next charge to take from.
DISCOUNTABLE_STATUSES = frozenset({"active", "upcoming", "past_due"})


async def create_discount(session: AsyncSession, ctx: RequestContext, body: CreateDiscountBody) -> JSON:
    currency = (body.currency or SUPPORTED_CURRENCY).upper()
    if currency != SUPPORTED_CURRENCY:
        raise currency_not_supported(body.currency or "")
    given, other = ("percent_off", "amount_off") if body.effect == "percentage" else ("amount_off", "percent_off")
    if getattr(body, given) is None:
        raise discount_value_missing(given)
    if getattr(body, other) is not None:
        raise discount_value_not_allowed(other, body.effect)
    discount = DiscountRepository(session, ctx.instance_id).add(
        name=body.name,
        effect=body.effect,
        percent_off=body.percent_off,
        amount_off=body.amount_off,
        cycles=body.cycles,
        currency=currency,
    )
    await session.flush()
    return discount_json(discount)


async def list_discounts(session: AsyncSession, ctx: RequestContext, *, query: PageQuery) -> JSON:
    page = await DiscountRepository(session, ctx.instance_id).page(query)
    return list_body([discount_json(discount) for discount in page.items], page.total_count)


async def get_discount(session: AsyncSession, ctx: RequestContext, *, discount_id: str) -> JSON:
    return discount_json(await DiscountRepository(session, ctx.instance_id).get_or_raise(discount_id))


async def delete_discount(session: AsyncSession, ctx: RequestContext, *, discount_id: str) -> JSON:
    """The discount and its redemptions go (an item it was active on has no discount any more)."""
    discount = await DiscountRepository(session, ctx.instance_id).get_or_raise(discount_id, lock=locked_for_delete)
    await session.delete(discount)
    await session.flush()
    return deleted_discount_json(discount_id)


def _next_charge_off(discount: BillingDiscount, charge: int) -> int:
    """What `discount` takes off a charge of `charge` cents: never more than the charge."""
    if discount.effect == "percentage":
        assert discount.percent_off is not None
        return min(charge, round(charge * discount.percent_off / 100))
    assert discount.amount_off is not None
    return min(charge, discount.amount_off)


async def _next_charge(session: AsyncSession, ctx: RequestContext, item: BillingSubscriptionItem) -> int:
    price = await PriceRepository(session, ctx.instance_id).get_or_raise(item.price_id)
    return item_amount(price, item.plan_period)


async def apply_discount(
    session: AsyncSession, ctx: RequestContext, *, subscription_item_id: str, discount_id: str
) -> JSON:
    items = SubscriptionItemRepository(session, ctx.instance_id)
    item = await items.get_or_raise(subscription_item_id, lock=locked)
    discount = await DiscountRepository(session, ctx.instance_id).kept_or_raise(discount_id)
    if item.status not in DISCOUNTABLE_STATUSES:
        raise subscription_item_not_discountable(item.status)
    redemptions = RedemptionRepository(session, ctx.instance_id)
    active = await redemptions.active_of(item.id)
    at_ms = now_ms()
    if active is not None:
        if active.discount_id == discount.id:
            raise discount_already_applied()
        active.status, active.removed_at, active.updated_at = "removed", at_ms, at_ms
        # The replaced redemption leaves the partial unique index before the new one enters it.
        await session.flush()
    redemption = redemptions.add(
        subscription_item_id=item.id,
        discount_id=discount.id,
        source="manual",
        name=discount.name,
        effect=discount.effect,
        percent_off=discount.percent_off,
        amount_off=discount.amount_off,
        currency=discount.currency,
        amount=_next_charge_off(discount, await _next_charge(session, ctx, item)),
        cycles_applied=0,
        cycles_remaining=discount.cycles,
        status="active",
        redeemed_at=at_ms,
        redeemed_by=None,
    )
    await session.flush()
    return redemption_json(redemption)


async def remove_discount(
    session: AsyncSession, ctx: RequestContext, *, subscription_item_id: str, discount_id: str
) -> JSON:
    item = await SubscriptionItemRepository(session, ctx.instance_id).get_or_raise(subscription_item_id, lock=locked)
    await DiscountRepository(session, ctx.instance_id).get_or_raise(discount_id)
    active = await RedemptionRepository(session, ctx.instance_id).active_of(item.id)
    if active is None or active.discount_id != discount_id:
        raise discount_not_applied()
    at_ms = now_ms()
    active.status, active.removed_at, active.updated_at = "removed", at_ms, at_ms
    await session.flush()
    return redemption_json(active)
