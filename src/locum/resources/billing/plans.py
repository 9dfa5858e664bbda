"""Plans, their features and prices. Plans are made in Clerk's dashboard; in locum through
/locum/billing/plans and `locum billing plans`. A plan's fees are its default price; Clerk's
CreateBillingPrice adds custom prices to a plan.

Amounts are cents: 0 (complimentary) or at least 100. Billing supports USD only. A feature is named
by its slug, unique per instance, and shared by the plans that list it.
"""

from collections.abc import Sequence

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.pagination import PageQuery, list_body
from locum.db.locking import locked, locked_for_delete
from locum.db.models import BillingPlan, BillingPlanFeature, BillingPrice
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.kit.json_types import JSON
from locum.resources.billing import errors
from locum.resources.billing.repository import FeatureRepository, PlanRepository, PriceRepository
from locum.resources.billing.schemas import (
    CreateBillingPriceBody,
    CreatePlanBody,
    FeatureBody,
    PlanListQuery,
    PriceListQuery,
    UpdatePlanBody,
)
from locum.resources.billing.serializers import plan_json, price_json

MIN_CHARGE_CENTS = 100


def check_amount(name: str, amount: int | None) -> None:
    if amount is not None and 0 < amount < MIN_CHARGE_CENTS:
        raise errors.amount_invalid(name)


async def list_plans(session: AsyncSession, ctx: RequestContext, *, query: PlanListQuery | PageQuery) -> JSON:
    plans = PlanRepository(session, ctx.instance_id)
    rows, total = await plans.page(plans.listing(getattr(query, "payer_type", None)), query)
    views = await plans.views(rows)
    return list_body([plan_json(views[row.id]) for row in rows], total)


async def list_prices(session: AsyncSession, ctx: RequestContext, *, query: PriceListQuery) -> JSON:
    if query.plan_id is not None:
        await PlanRepository(session, ctx.instance_id).get_or_raise(query.plan_id)
    rows, total = await PriceRepository(session, ctx.instance_id).page(query.plan_id, query)
    return list_body([price_json(row) for row in rows], total)


async def create_price(session: AsyncSession, ctx: RequestContext, *, body: CreateBillingPriceBody) -> JSON:
    if body.amount is None:
        raise errors.amount_invalid("amount")
    check_amount("amount", body.amount)
    check_amount("annual_monthly_amount", body.annual_monthly_amount)
    if body.currency.upper() != "USD":
        raise errors.currency_unsupported()
    await PlanRepository(session, ctx.instance_id).get_or_raise(body.plan_id)
    periods = body.supported_billing_periods or ("both" if body.annual_monthly_amount is not None else "month")
    price = PriceRepository(session, ctx.instance_id).add(
        plan_id=body.plan_id,
        currency="USD",
        amount=body.amount,
        annual_monthly_amount=body.annual_monthly_amount if body.annual_monthly_amount is not None else body.amount,
        supported_billing_periods=periods,
        is_default=False,
    )
    await session.flush()
    return price_json(price)


async def _set_features(
    session: AsyncSession, ctx: RequestContext, plan: BillingPlan, features: Sequence[FeatureBody | str]
) -> None:
    wanted = [feature if isinstance(feature, FeatureBody) else FeatureBody(slug=feature) for feature in features]
    repository = FeatureRepository(session, ctx.instance_id)
    existing = await repository.by_slugs(feature.slug for feature in wanted)
    await session.execute(
        delete(BillingPlanFeature).where(
            BillingPlanFeature.instance_id == ctx.instance_id, BillingPlanFeature.plan_id == plan.id
        )
    )
    seen: set[str] = set()
    for position, feature in enumerate(wanted):
        if feature.slug in seen:
            continue
        seen.add(feature.slug)
        row = existing.get(feature.slug)
        if row is None:
            row = repository.add(slug=feature.slug, name=feature.name or feature.slug, description=feature.description)
        elif feature.name is not None:
            row.name, row.description, row.updated_at = feature.name, feature.description, now_ms()
        session.add(
            BillingPlanFeature(instance_id=ctx.instance_id, plan_id=plan.id, feature_id=row.id, position=position)
        )
    try:
        await session.flush()
    except IntegrityError as exc:
        raise errors.conflict_of_features() from exc


async def create_plan(session: AsyncSession, ctx: RequestContext, *, body: CreatePlanBody) -> JSON:
    check_amount("monthly_fee", body.monthly_fee)
    check_amount("annual_monthly_fee", body.annual_monthly_fee)
    plans = PlanRepository(session, ctx.instance_id)
    if await plans.by_slug(body.payer_type, body.slug) is not None:
        raise errors.plan_slug_exists()
    if body.is_default and await plans.default_plan(body.payer_type) is not None:
        raise errors.default_plan_exists()
    plan = plans.add(
        name=body.name,
        slug=body.slug,
        description=body.description,
        payer_type=body.payer_type,
        is_default=body.is_default,
        publicly_visible=body.publicly_visible,
        free_trial_days=body.free_trial_days,
        avatar_url=body.avatar_url,
        product_id=new_id("billing_product"),
    )
    PriceRepository(session, ctx.instance_id).add(
        plan_id=plan.id,
        currency="USD",
        amount=0 if body.is_default else body.monthly_fee,
        annual_monthly_amount=0
        if body.is_default
        else (body.annual_monthly_fee if body.annual_monthly_fee is not None else body.monthly_fee),
        supported_billing_periods="both",
        is_default=True,
    )
    try:
        await session.flush()
    except IntegrityError as exc:
        raise (errors.default_plan_exists() if body.is_default else errors.plan_slug_exists()) from exc
    await _set_features(session, ctx, plan, body.features)
    return plan_json(await plans.view(plan))


async def get_plan(session: AsyncSession, ctx: RequestContext, *, plan_id: str) -> JSON:
    plans = PlanRepository(session, ctx.instance_id)
    return plan_json(await plans.view(await plans.get_or_raise(plan_id)))


async def update_plan(session: AsyncSession, ctx: RequestContext, *, plan_id: str, body: UpdatePlanBody) -> JSON:
    plans = PlanRepository(session, ctx.instance_id)
    plan = await plans.get_or_raise(plan_id, lock=locked)
    check_amount("monthly_fee", body.monthly_fee)
    check_amount("annual_monthly_fee", body.annual_monthly_fee)
    fields = body.model_fields_set
    for name in ("name", "description", "publicly_visible", "avatar_url"):
        if name in fields and getattr(body, name) is not None:
            setattr(plan, name, getattr(body, name))
    if "free_trial_days" in fields:
        plan.free_trial_days = body.free_trial_days or None
    if not plan.is_default and (body.monthly_fee is not None or body.annual_monthly_fee is not None):
        price: BillingPrice = await PriceRepository(session, ctx.instance_id).default_of(plan.id)
        if body.monthly_fee is not None:
            price.amount = body.monthly_fee
        if body.annual_monthly_fee is not None:
            price.annual_monthly_amount = body.annual_monthly_fee
    plan.updated_at = now_ms()
    if body.features is not None:
        await _set_features(session, ctx, plan, body.features)
    await session.flush()
    return plan_json(await plans.view(plan))


async def delete_plan(session: AsyncSession, ctx: RequestContext, *, plan_id: str) -> JSON:
    """Deleting a plan deletes its prices and every subscription item on it (test fixtures only)."""
    plan = await PlanRepository(session, ctx.instance_id).get_or_raise(plan_id, lock=locked_for_delete)
    await session.delete(plan)
    await session.flush()
    return {"object": "commerce_plan", "id": plan_id, "deleted": True}
