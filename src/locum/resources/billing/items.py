"""GetCommerceSubscriptionItemList: every payer's subscription items, newest first."""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.pagination import list_body
from locum.instances.context import RequestContext
from locum.kit.json_types import JSON
from locum.resources.billing.repository import (
    PayerRepository,
    PlanRepository,
    PriceRepository,
    SubscriptionItemRepository,
)
from locum.resources.billing.schemas import SubscriptionItemListQuery
from locum.resources.billing.serializers import subscription_item_json


async def list_items(session: AsyncSession, ctx: RequestContext, *, query: SubscriptionItemListQuery) -> JSON:
    items = SubscriptionItemRepository(session, ctx.instance_id)
    statement = items.listing(
        status=query.status,
        payer_type=query.payer_type,
        plan_id=query.plan_id,
        include_free=query.include_free,
        query=query.query,
    )
    rows, total = await items.page(statement, query)
    plans = await PlanRepository(session, ctx.instance_id).views_by_id(row.plan_id for row in rows)
    prices = await PriceRepository(session, ctx.instance_id).by_ids(row.price_id for row in rows)
    payers = await PayerRepository(session, ctx.instance_id).views(row.payer_id for row in rows)
    return list_body(
        [
            subscription_item_json(row, plans[row.plan_id], prices[row.price_id], payers[row.payer_id], ctx.origin)
            for row in rows
        ],
        total,
    )
