"""Subscriptions: what Clerk's checkout does (POST /locum/billing/subscriptions), canceling an item,
extending a free trial, moving an item to another price of its plan, and locum's clock
(POST /locum/billing/subscription_items/{id}/advance), which takes a payer to the end of a period.

A payer has one live subscription (a partial unique index); its items are the plans it has had:

- Subscribing to a paid plan from nothing, the free default plan, a trial or a cheaper plan is an
  upgrade: it takes effect at once (the previous item ends) and is charged at checkout, unless the
  payer asks for the plan's free trial (once per payer). A cheaper plan is a downgrade: the current
  item is canceled (it runs to the end of its period) and the new one is upcoming from then.
  Subscribing to the free default plan from a paid plan is a downgrade too.
- Checkout charges always succeed; each later charge answers the item's `payment_outcome`, so a
  test chooses whether a renewal fails (the item and subscription go past_due).
- When no paid item is left, the payer falls back to the instance's default plan for its payer
  type, if there is one (Clerk subscribes every payer to it).

Every change takes the subscription's row lock first (after the user's or organization's, when
subscribing), so concurrent changes of one payer's billing run one at a time.
"""

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import conflict, form_param_missing, form_param_value_invalid
from locum.db.locking import locked
from locum.db.models import BillingPayer, BillingPlan, BillingPrice, BillingSubscription, BillingSubscriptionItem
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.outbox.events import EventType, record
from locum.resources.billing import errors
from locum.resources.billing.repository import (
    PayerRepository,
    PayerSubjectRepository,
    PayerView,
    PlanRepository,
    PlanView,
    PriceRepository,
    StatementRepository,
    SubscriptionItemRepository,
    SubscriptionRepository,
)
from locum.resources.billing.schemas import ExtendFreeTrialBody, PriceTransitionBody, SubscribeBody
from locum.resources.billing.serializers import (
    item_amount,
    next_payment,
    payment_attempt_event_json,
    plan_json_2,
    price_json,
    subscription_event_json,
    subscription_item_event_json,
    subscription_item_json,
    subscription_item_json_2,
    subscription_json,
)

SUBSCRIPTION_STATUS_EVENTS: dict[str, EventType] = {
    "active": "subscription.active",
    "past_due": "subscription.pastDue",
}
DAY_MS = 86_400_000
MAX_TRIAL_EXTENSION_DAYS = 365
RUNNING = ("active", "past_due", "canceled")
ITEM_EVENTS: dict[str, EventType] = {
    "active": "subscriptionItem.active",
    "canceled": "subscriptionItem.canceled",
    "ended": "subscriptionItem.ended",
    "upcoming": "subscriptionItem.upcoming",
    "abandoned": "subscriptionItem.abandoned",
    "past_due": "subscriptionItem.pastDue",
    "incomplete": "subscriptionItem.incomplete",
}


def add_period(start_ms: int, period: str) -> int:
    """`start_ms` plus one calendar month or year (the day clamped to the target month's length)."""
    start = datetime.fromtimestamp(start_ms / 1000, tz=UTC)
    months = 12 if period == "annual" else 1
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp() * 1000)


@dataclass
class Book:
    """One payer's subscription, its items, and what rendering them needs, for one request."""

    session: AsyncSession
    ctx: RequestContext
    payer: PayerView
    subscription: BillingSubscription
    items: list[BillingSubscriptionItem]
    plans: dict[str, PlanView] = field(default_factory=dict)
    prices: dict[str, BillingPrice] = field(default_factory=dict)
    latest_payment_id: str | None = None

    @property
    def payer_type(self) -> str:
        return "user" if self.payer.payer.user_id else "org"

    def running(self) -> BillingSubscriptionItem | None:
        return next((item for item in self.items if item.status in RUNNING), None)

    def upcoming(self) -> list[BillingSubscriptionItem]:
        return [item for item in self.items if item.status == "upcoming"]

    def is_free(self, item: BillingSubscriptionItem) -> bool:
        return self.plans[item.plan_id].plan.is_default or item_amount(self.prices[item.price_id], "month") == 0

    async def know(self, plan: PlanView | None = None, price: BillingPrice | None = None) -> None:
        """Load the plans and prices of the items (and of `plan`/`price`) not loaded yet."""
        if plan is not None:
            self.plans[plan.plan.id] = plan
        if price is not None:
            self.prices[price.id] = price
        missing_prices = {item.price_id for item in self.items} - set(self.prices)
        self.prices |= await PriceRepository(self.session, self.ctx.instance_id).by_ids(missing_prices)
        missing_plans = {item.plan_id for item in self.items} - set(self.plans)
        self.plans |= await PlanRepository(self.session, self.ctx.instance_id).views_by_id(missing_plans)

    def item_json(self, item: BillingSubscriptionItem) -> JSON:
        return subscription_item_json(
            item, self.plans[item.plan_id], self.prices[item.price_id], self.payer, self.ctx.origin
        )

    def item_json_2(self, item: BillingSubscriptionItem) -> JSON:
        return subscription_item_json_2(item, self.plans[item.plan_id], self.prices[item.price_id])

    def item_event_json(self, item: BillingSubscriptionItem) -> JSON:
        return subscription_item_event_json(item, self.plans[item.plan_id], self.payer, self.ctx.origin)

    def json(self, *, eligible_for_free_trial: bool) -> JSON:
        shown = [item for item in self.items if item.status not in ("abandoned",)]
        upcoming = [
            payment
            for item in shown
            if not self.is_free(item) and (payment := next_payment(item, self.prices[item.price_id])) is not None
        ]
        return subscription_json(
            self.subscription,
            [self.item_json(item) for item in reversed(shown)],
            min(upcoming) if upcoming else None,
            eligible_for_free_trial=eligible_for_free_trial,
        )

    # Events

    def record_item(self, item: BillingSubscriptionItem, type: EventType | None = None) -> None:
        event_type = type or ITEM_EVENTS.get(item.status)
        if event_type is not None:
            record(self.session, self.ctx, event_type, self.item_event_json(item))

    def record_subscription(self, type: EventType) -> None:
        canceled = [item.canceled_at for item in self.items if item.canceled_at is not None]
        ended = self.subscription.status == "ended"
        record(
            self.session,
            self.ctx,
            type,
            subscription_event_json(
                self.subscription,
                [self.item_event_json(item) for item in self.items if item.status != "abandoned"],
                self.payer,
                self.ctx.origin,
                latest_payment_id=self.latest_payment_id,
                canceled_at=max(canceled) if canceled and self.running() is None else None,
                ended_at=max((item.ended_at or 0) for item in self.items) if ended else None,
            ),
        )

    # State changes

    def set_status(self, item: BillingSubscriptionItem, status: str, at: int) -> None:
        item.status = status
        item.updated_at = max(at, item.updated_at)
        if status == "ended":
            item.ended_at = at
        elif status == "canceled":
            item.canceled_at = at
        elif status == "past_due":
            item.past_due_at = at
        self.record_item(item)

    def start_item(
        self,
        plan: PlanView,
        price: BillingPrice,
        *,
        period: str,
        status: str,
        start: int,
        free_trial: bool = False,
        payment_outcome: str = "paid",
    ) -> BillingSubscriptionItem:
        is_free = plan.is_free
        if plan.plan.is_default:
            # Clerk keeps one item per payer for the default plan, whatever its history: its id
            # tells the payers that are not paying customers.
            kept = next((item for item in self.items if item.plan_id == plan.plan.id), None)
            if kept is not None:
                kept.status, kept.period_start, kept.period_end = status, start, None
                kept.canceled_at = kept.ended_at = kept.past_due_at = None
                kept.updated_at = max(start, kept.updated_at)
                return kept
        if is_free:
            end = None
        elif free_trial and plan.plan.free_trial_days:
            end = start + plan.plan.free_trial_days * DAY_MS
        else:
            end = add_period(start, period)
        item = SubscriptionItemRepository(self.session, self.ctx.instance_id).add(
            subscription_id=self.subscription.id,
            payer_id=self.payer.payer.id,
            plan_id=plan.plan.id,
            price_id=price.id,
            plan_period=period,
            status=status,
            is_free_trial=bool(free_trial and not is_free),
            payment_outcome=payment_outcome,
            lifetime_paid=0,
            period_start=start,
            period_end=end,
        )
        self.items.append(item)
        self.plans[plan.plan.id] = plan
        self.prices[price.id] = price
        return item

    def follow_at_period_end(
        self,
        current: BillingSubscriptionItem,
        plan: PlanView,
        price: BillingPrice,
        *,
        period: str,
        payment_outcome: str,
        at: int,
    ) -> BillingSubscriptionItem:
        """A change that waits for the period's end: `current` is canceled at `at` (it runs out its
        period) and the new item is upcoming from then."""
        assert current.period_end is not None
        if current.status != "canceled":
            self.set_status(current, "canceled", at)
        item = self.start_item(
            plan, price, period=period, status="upcoming", start=current.period_end, payment_outcome=payment_outcome
        )
        self.record_item(item)
        return item

    async def charge(
        self, item: BillingSubscriptionItem, *, charge_type: Literal["checkout", "recurring"], at: int, paid: bool
    ) -> bool:
        """Charge one period of `item` onto the payer's open statement; whether it was paid."""
        from locum.resources.billing.statements import charge

        amount = item_amount(self.prices[item.price_id], item.plan_period)
        attempt = await charge(self.session, self.ctx, item, amount=amount, charge_type=charge_type, at=at, paid=paid)
        self.latest_payment_id = attempt.payment_id
        if paid:
            item.lifetime_paid += amount
        document = payment_attempt_event_json(attempt, self.item_event_json(item), self.payer, self.ctx.origin)
        record(
            self.session,
            self.ctx,
            "paymentAttempt.created",
            {**document, "status": "pending", "paid_at": None, "failed_at": None, "failed_reason": None},
        )
        record(self.session, self.ctx, "paymentAttempt.updated", document)
        return paid

    async def activate(
        self, item: BillingSubscriptionItem, *, at: int, charge_type: Literal["checkout", "recurring"]
    ) -> None:
        """Start `item` (new or upcoming) at `at`: charged unless free or a trial."""
        if item.status == "upcoming":
            item.period_start = at
            if item.period_end is not None:
                item.period_end = add_period(at, item.plan_period)
        paid = True
        if not self.is_free(item) and not item.is_free_trial:
            paid = await self.charge(
                item, charge_type=charge_type, at=at, paid=charge_type == "checkout" or item.payment_outcome == "paid"
            )
        self.set_status(item, "active" if paid else "past_due", at)

    async def fall_back_to_default(self, at: int) -> None:
        """Put the payer on its payer type's default plan when nothing else runs or is upcoming."""
        if self.running() is not None or self.upcoming():
            return
        plans = PlanRepository(self.session, self.ctx.instance_id)
        default = await plans.default_plan(self.payer_type)
        if default is None:
            return
        view = await plans.view(default)
        item = self.start_item(view, view.price, period="month", status="active", start=at)
        self.record_item(item)

    def settle_status(self, at: int) -> bool:
        """The subscription's status from its items, and whether it changed. A change is told by
        subscription.active / .pastDue (subscription.updated for any other status), as Clerk tells it."""
        subscription = self.subscription
        statuses = {item.status for item in self.items}
        if "past_due" in statuses:
            status = "past_due"
        elif statuses & {"active", "canceled", "upcoming"}:
            status = "active"
        else:
            status = "ended"
        if status == subscription.status:
            return False
        subscription.status = status
        subscription.updated_at = max(at, subscription.updated_at)
        if status == "active" and subscription.active_at is None:
            subscription.active_at = at
        if status == "past_due":
            subscription.past_due_at = at
        self.record_subscription(SUBSCRIPTION_STATUS_EVENTS.get(status, "subscription.updated"))
        return True

    def record_change(self, at: int) -> None:
        """After a change of items: the subscription's status settled; subscription.updated when its
        status stayed (its items changed)."""
        if not self.settle_status(at):
            self.subscription.updated_at = max(at, self.subscription.updated_at)
            self.record_subscription("subscription.updated")


async def _book_for(
    session: AsyncSession,
    ctx: RequestContext,
    subscription: BillingSubscription,
    payer: BillingPayer,
    *,
    for_update: bool = False,
) -> Book:
    items = await SubscriptionItemRepository(session, ctx.instance_id).of_subscription(
        subscription.id, lock=locked if for_update else None
    )
    payer_view = await PayerRepository(session, ctx.instance_id).view(payer)
    book = Book(session, ctx, payer_view, subscription, items)
    await book.know()
    return book


async def _locked_book_of_item(
    session: AsyncSession, ctx: RequestContext, item_id: str
) -> tuple[Book, BillingSubscriptionItem]:
    """The item's payer's book, the subscription locked before its items are read."""
    items = SubscriptionItemRepository(session, ctx.instance_id)
    item = await items.get_or_raise(item_id)
    subscription = await SubscriptionRepository(session, ctx.instance_id).get_or_raise(
        item.subscription_id, lock=locked
    )
    payer = await PayerRepository(session, ctx.instance_id).get_or_raise(subscription.payer_id)
    # Read again under the subscription's lock: the first read may be stale by now.
    book = await _book_for(session, ctx, subscription, payer, for_update=True)
    return book, next(row for row in book.items if row.id == item_id)


async def _eligible_for_free_trial(session: AsyncSession, ctx: RequestContext, payer_id: str) -> bool:
    return not await SubscriptionItemRepository(session, ctx.instance_id).has_had_free_trial(payer_id)


# Checkout (locum's /locum/billing/subscriptions)


async def _payer_for(session: AsyncSession, ctx: RequestContext, payer_ref: str) -> tuple[BillingPayer, str]:
    """The payer row of a user or organization id (made on its first subscription), its subject
    row locked so that one payer's checkouts run one at a time; and the payer type."""
    subjects = PayerSubjectRepository(session, ctx.instance_id)
    payers = PayerRepository(session, ctx.instance_id)
    if payer_ref.startswith("org_"):
        if await subjects.organization(payer_ref, lock=locked) is None:
            raise errors.payer_not_found("organization")
        payer, payer_type = await payers.of_organization(payer_ref), "org"
        values = {"organization_id": payer_ref}
    elif payer_ref.startswith("user_"):
        if await subjects.user(payer_ref, lock=locked) is None:
            raise errors.payer_not_found("user")
        payer, payer_type = await payers.of_user(payer_ref), "user"
        values = {"user_id": payer_ref}
    else:
        raise form_param_value_invalid("payer", "payer must be a user id (user_…) or an organization id (org_…).")
    if payer is None:
        payer = payers.add(**values)
        await session.flush()
    return payer, payer_type


async def _plan_for(session: AsyncSession, ctx: RequestContext, body: SubscribeBody, payer_type: str) -> PlanView:
    plans = PlanRepository(session, ctx.instance_id)
    plan: BillingPlan | None
    if body.plan_id is not None:
        plan = await plans.get_or_raise(body.plan_id)
    elif body.plan is not None:
        plan = await plans.by_slug(payer_type, body.plan)
        if plan is None:
            raise errors.plan_not_found()
    else:
        raise form_param_missing("plan_id")
    if plan.payer_type != payer_type:
        raise errors.plan_payer_type_mismatch(payer_type)
    return await plans.view(plan)


def _supports(price: BillingPrice, period: str) -> bool:
    return price.supported_billing_periods in ("both", period)


def _monthly_rate(price: BillingPrice, period: str) -> int:
    return price.annual_monthly_amount if period == "annual" else price.amount


async def subscribe(session: AsyncSession, ctx: RequestContext, body: SubscribeBody) -> JSON:
    payer, payer_type = await _payer_for(session, ctx, body.payer)
    view = await _plan_for(session, ctx, body, payer_type)
    price = view.price
    if not view.is_free and not _supports(price, body.plan_period):
        raise errors.period_unsupported(body.plan_period)
    eligible = await _eligible_for_free_trial(session, ctx, payer.id)
    if body.free_trial and (view.is_free or not view.plan.free_trial_days or not eligible):
        raise form_param_value_invalid("free_trial", "This plan has no free trial, or the payer has already had one.")
    subscriptions = SubscriptionRepository(session, ctx.instance_id)
    subscription = await subscriptions.live_of(payer.id, lock=locked)
    created = subscription is None
    if subscription is None:
        subscription = subscriptions.add(payer_id=payer.id, status="incomplete")
        try:
            await session.flush()
        except IntegrityError as exc:
            raise conflict() from exc
    book = await _book_for(session, ctx, subscription, payer, for_update=True)
    await book.know(view, price)
    now = now_ms()
    await _change_plan(book, view, price, body, now)
    await book.fall_back_to_default(now)
    if created:
        subscription.status = "active" if book.running() is not None else "incomplete"
        subscription.active_at = now if subscription.status == "active" else None
        book.record_subscription("subscription.created")
        if subscription.status == "active":
            book.record_subscription("subscription.active")
    else:
        book.record_change(now)
    await session.flush()
    return book.json(eligible_for_free_trial=await _eligible_for_free_trial(session, ctx, payer.id))


async def _change_plan(book: Book, view: PlanView, price: BillingPrice, body: SubscribeBody, now: int) -> None:
    current = book.running()
    if (
        current is not None
        and current.plan_id == view.plan.id
        and (view.is_free or current.plan_period == body.plan_period)
    ):
        if current.status != "canceled":
            raise errors.already_subscribed()
        # Resubscribing to a canceled plan before it ends keeps it.
        current.status, current.canceled_at, current.updated_at = "active", None, now
        for item in book.upcoming():
            book.set_status(item, "abandoned", now)
        book.record_item(current, "subscriptionItem.updated")
        return
    for item in book.upcoming():
        book.set_status(item, "abandoned", now)
    upgrade = (
        current is None
        or book.is_free(current)
        or current.is_free_trial
        or (
            not view.is_free
            and _monthly_rate(price, body.plan_period)
            >= _monthly_rate(book.prices[current.price_id], current.plan_period)
        )
    )
    if upgrade:
        if current is not None:
            book.set_status(current, "ended", now)
        item = book.start_item(
            view,
            price,
            period=body.plan_period,
            status="incomplete",
            start=now,
            free_trial=body.free_trial,
            payment_outcome=body.payment_outcome,
        )
        await book.activate(item, at=now, charge_type="checkout")
        return
    assert current is not None
    book.follow_at_period_end(
        current, view, price, period=body.plan_period, payment_outcome=body.payment_outcome, at=now
    )


# GET /users/{id}/billing/subscription, GET /organizations/{id}/billing/subscription


async def get_payer_subscription(
    session: AsyncSession, ctx: RequestContext, *, user_id: str | None = None, organization_id: str | None = None
) -> JSON:
    subjects = PayerSubjectRepository(session, ctx.instance_id)
    payers = PayerRepository(session, ctx.instance_id)
    if user_id is not None:
        if await subjects.user(user_id) is None:
            raise errors.payer_not_found("user")
        payer = await payers.of_user(user_id)
    else:
        assert organization_id is not None
        if await subjects.organization(organization_id) is None:
            raise errors.payer_not_found("organization")
        payer = await payers.of_organization(organization_id)
    if payer is None:
        raise errors.subscription_not_found()
    subscription = await SubscriptionRepository(session, ctx.instance_id).latest_of(payer.id)
    if subscription is None:
        raise errors.subscription_not_found()
    book = await _book_for(session, ctx, subscription, payer)
    return book.json(eligible_for_free_trial=await _eligible_for_free_trial(session, ctx, payer.id))


# DELETE /billing/subscription_items/{id}


async def cancel_item(session: AsyncSession, ctx: RequestContext, *, item_id: str, end_now: bool) -> JSON:
    book, item = await _locked_book_of_item(session, ctx, item_id)
    now = now_ms()
    if item.status in ("ended", "abandoned", "incomplete"):
        raise errors.subscription_item_not_cancelable(item.status)
    if book.is_free(item):
        raise errors.free_plan_not_cancelable()
    if item.status == "upcoming":
        book.set_status(item, "abandoned", now)
    elif end_now:
        item.canceled_at = item.canceled_at or now
        book.set_status(item, "ended", now)
        for upcoming in book.upcoming():
            await book.activate(upcoming, at=now, charge_type="checkout")
        await book.fall_back_to_default(now)
    elif item.status != "canceled":
        book.set_status(item, "canceled", now)
    book.record_change(now)
    await session.flush()
    return book.item_json(item)


# POST /billing/subscription_items/{id}/extend_free_trial


async def extend_free_trial(
    session: AsyncSession, ctx: RequestContext, *, item_id: str, body: ExtendFreeTrialBody
) -> JSON:
    book, item = await _locked_book_of_item(session, ctx, item_id)
    if not item.is_free_trial or item.status not in ("active", "canceled") or item.period_end is None:
        raise errors.not_in_free_trial()
    extend_to = body.extend_to if body.extend_to.tzinfo else body.extend_to.replace(tzinfo=UTC)
    target = int(extend_to.timestamp() * 1000)
    now = now_ms()
    if target <= now:
        raise errors.extend_to_invalid("extend_to must be in the future.")
    if target < item.period_end:
        raise errors.extend_to_invalid("extend_to must not be before the end of the current free trial.")
    if target > item.period_end + timedelta(days=MAX_TRIAL_EXTENSION_DAYS) // timedelta(milliseconds=1):
        raise errors.extend_to_invalid("extend_to must be at most 365 days after the end of the current free trial.")
    if target != item.period_end:
        item.period_end = target
        item.updated_at = now
        book.record_item(item, "subscriptionItem.updated")
        await session.flush()
    return book.item_json_2(item)


# POST /billing/subscription_items/{id}/price_transition


async def transition_price(
    session: AsyncSession, ctx: RequestContext, *, item_id: str, body: PriceTransitionBody
) -> JSON:
    book, item = await _locked_book_of_item(session, ctx, item_id)
    if item.status not in ("active", "past_due", "canceled"):
        raise errors.price_transition_conflict(f"A subscription item that is {item.status} cannot change price.")
    if body.from_price_id != item.price_id:
        raise errors.price_transition_conflict("from_price_id is not the subscription item's current price.")
    to_price = await PriceRepository(session, ctx.instance_id).get_or_raise(body.to_price_id)
    if to_price.plan_id != item.plan_id:
        raise errors.to_price_invalid("to_price_id must be a price of the subscription item's plan.")
    if to_price.id == item.price_id:
        raise errors.price_transition_conflict("The subscription item is already at this price.")
    if not _supports(to_price, item.plan_period):
        raise errors.to_price_invalid(f"to_price_id cannot be billed per {item.plan_period}.")
    if any(upcoming.price_id == to_price.id for upcoming in book.upcoming()):
        raise errors.price_transition_conflict("A transition to this price is already scheduled.")
    await book.know(price=to_price)
    previous_price = book.prices[item.price_id]
    now = now_ms()
    for upcoming in book.upcoming():
        book.set_status(upcoming, "abandoned", now)
    plan = book.plans[item.plan_id]
    immediate = item.is_free_trial or _monthly_rate(to_price, item.plan_period) > _monthly_rate(
        previous_price, item.plan_period
    )
    if immediate:
        book.set_status(item, "ended", now)
        new_item = book.start_item(
            plan,
            to_price,
            period=item.plan_period,
            status="incomplete",
            start=now,
            free_trial=item.is_free_trial,
            payment_outcome=item.payment_outcome,
        )
        if item.is_free_trial:
            new_item.period_end = item.period_end
        await book.activate(new_item, at=now, charge_type="checkout")
        effective_at = now
    else:
        new_item = book.follow_at_period_end(
            item, plan, to_price, period=item.plan_period, payment_outcome=item.payment_outcome, at=now
        )
        effective_at = new_item.period_start
    book.record_change(now)
    await session.flush()
    charged = immediate and not new_item.is_free_trial
    return {
        "object": "commerce_price_transition",
        "subscription_item": book.item_json_2(new_item),
        "transition": {
            "previous_plan": plan_json_2(plan),
            "previous_price": price_json(previous_price),
            "effective_at": effective_at,
            "effective_mode": "immediate" if immediate else "end_of_period",
            "next_billing_date": new_item.period_end if immediate else new_item.period_start,
            "charged_immediately": charged,
            "immediate_charge": (book.item_json_2(new_item)["amount"] if charged else None),
            "previous_subscription_item_status": item.status,
            "previous_subscription_item_id": item.id,
        },
    }


# POST /locum/billing/subscription_items/{id}/advance


async def advance(session: AsyncSession, ctx: RequestContext, *, item_id: str) -> JSON:
    """Take the item's payer to the end of the item's period (the start, for an upcoming item):
    canceled items end, upcoming ones start, running ones renew (and are charged)."""
    book, item = await _locked_book_of_item(session, ctx, item_id)
    if item.status in ("ended", "abandoned", "incomplete") or item.period_end is None:
        raise errors.not_advanceable(item.status if item.period_end is not None else "on a free plan")
    at = item.period_start if item.status == "upcoming" else item.period_end
    await StatementRepository(session, ctx.instance_id).close_open(book.payer.payer.id, at=at)
    for row in list(book.items):
        if row.status in ("canceled", "past_due") and row.period_end is not None and row.period_end <= at:
            book.set_status(row, "ended", at)
    for row in list(book.items):
        if row.status == "upcoming" and row.period_start <= at:
            await book.activate(row, at=at, charge_type="recurring")
        elif row.status == "active" and row.period_end is not None and row.period_end <= at:
            if row.is_free_trial:
                book.record_item(row, "subscriptionItem.freeTrialEnding")
                row.is_free_trial = False
            row.period_start = at
            row.period_end = add_period(at, row.plan_period)
            row.updated_at = max(at, row.updated_at)
            paid = await book.charge(row, charge_type="recurring", at=at, paid=row.payment_outcome == "paid")
            if paid:
                book.record_item(row, "subscriptionItem.updated")
            else:
                book.set_status(row, "past_due", at)
    await book.fall_back_to_default(at)
    book.record_change(at)
    await session.flush()
    return book.json(eligible_for_free_trial=await _eligible_for_free_trial(session, ctx, book.payer.payer.id))
