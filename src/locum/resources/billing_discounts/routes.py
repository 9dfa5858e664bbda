"""Clerk's subscription item discount operations, and locum's discount definitions (/locum/billing/discounts,
what Clerk's dashboard defines)."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.pagination import PageParams
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.billing_discounts import service
from locum.resources.billing_discounts.schemas import ApplyDiscountBody, CreateDiscountBody

router = resource_router(tags=["Billing"])
locum_router = resource_router(tags=["locum"])


@router.post(
    "/billing/subscription_items/{subscription_item_id}/discounts", operation_id="ApplyBillingSubscriptionItemDiscount"
)
async def apply_billing_subscription_item_discount(
    subscription_item_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[ApplyDiscountBody, body_of(ApplyDiscountBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.apply_discount(
            session, ctx, subscription_item_id=subscription_item_id, discount_id=body.discount_id
        )
    )


@router.delete(
    "/billing/subscription_items/{subscription_item_id}/discounts/{discount_id}",
    operation_id="RemoveBillingSubscriptionItemDiscount",
)
async def remove_billing_subscription_item_discount(
    subscription_item_id: str, discount_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.remove_discount(session, ctx, subscription_item_id=subscription_item_id, discount_id=discount_id)
    )


@locum_router.post("/billing/discounts")
async def create_discount(
    ctx: Context, session: DbSession, body: Annotated[CreateDiscountBody, body_of(CreateDiscountBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_discount(session, ctx, body))


@locum_router.get("/billing/discounts")
async def list_discounts(ctx: Context, session: DbReadSession, query: PageParams) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_discounts(session, ctx, query=query))


@locum_router.get("/billing/discounts/{discount_id}")
async def get_discount(discount_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_discount(session, ctx, discount_id=discount_id))


@locum_router.delete("/billing/discounts/{discount_id}")
async def delete_discount(discount_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_discount(session, ctx, discount_id=discount_id))
