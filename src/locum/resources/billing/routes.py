"""Clerk's Billing operations, and locum's /locum/billing ones (plans, checkout, the clock)."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.billing import plans, statements, subscriptions
from locum.resources.billing.items import list_items
from locum.resources.billing.schemas import (
    CancelSubscriptionItemQuery,
    CreateBillingPriceBody,
    CreatePlanBody,
    ExtendFreeTrialBody,
    LocumPlanListQuery,
    PlanListQuery,
    PriceListQuery,
    PriceTransitionBody,
    StatementListQuery,
    StatementPaymentAttemptsQuery,
    SubscribeBody,
    SubscriptionItemListQuery,
    UpdatePlanBody,
)

router = resource_router(tags=["Billing"])
locum_router = resource_router(tags=["locum"])


@router.get("/billing/plans", operation_id="GetCommercePlanList")
async def list_plans(
    ctx: Context, session: DbReadSession, query: Annotated[PlanListQuery, query_model(PlanListQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await plans.list_plans(session, ctx, query=query))


@router.get("/billing/prices", operation_id="GetBillingPriceList")
async def list_prices(
    ctx: Context, session: DbReadSession, query: Annotated[PriceListQuery, query_model(PriceListQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await plans.list_prices(session, ctx, query=query))


@router.post("/billing/prices", operation_id="CreateBillingPrice")
async def create_price(
    ctx: Context, session: DbSession, body: Annotated[CreateBillingPriceBody, body_of(CreateBillingPriceBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await plans.create_price(session, ctx, body=body))


@router.get("/billing/subscription_items", operation_id="GetCommerceSubscriptionItemList")
async def list_subscription_items(
    ctx: Context,
    session: DbReadSession,
    query: Annotated[SubscriptionItemListQuery, query_model(SubscriptionItemListQuery)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await list_items(session, ctx, query=query))


@router.delete("/billing/subscription_items/{subscription_item_id}", operation_id="CancelCommerceSubscriptionItem")
async def cancel_subscription_item(
    subscription_item_id: str,
    ctx: Context,
    session: DbSession,
    query: Annotated[CancelSubscriptionItemQuery, query_model(CancelSubscriptionItemQuery)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await subscriptions.cancel_item(session, ctx, item_id=subscription_item_id, end_now=query.end_now)
    )


@router.post(
    "/billing/subscription_items/{subscription_item_id}/extend_free_trial",
    operation_id="ExtendBillingSubscriptionItemFreeTrial",
)
async def extend_free_trial(
    subscription_item_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[ExtendFreeTrialBody, body_of(ExtendFreeTrialBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await subscriptions.extend_free_trial(session, ctx, item_id=subscription_item_id, body=body)
    )


@router.post(
    "/billing/subscription_items/{subscription_item_id}/price_transition",
    operation_id="CreateBillingPriceTransition",
)
async def create_price_transition(
    subscription_item_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[PriceTransitionBody, body_of(PriceTransitionBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await subscriptions.transition_price(session, ctx, item_id=subscription_item_id, body=body)
    )


@router.get("/billing/statements", operation_id="GetBillingStatementList")
async def list_statements(
    ctx: Context, session: DbReadSession, query: Annotated[StatementListQuery, query_model(StatementListQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await statements.list_statements(session, ctx, query=query))


@router.get("/billing/statements/{statementID}", operation_id="GetBillingStatement")
async def get_statement(statementID: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await statements.get_statement(session, ctx, statement_id=statementID))


@router.get("/billing/statements/{statementID}/payment_attempts", operation_id="GetBillingStatementPaymentAttempts")
async def list_statement_payment_attempts(
    statementID: str,
    ctx: Context,
    session: DbReadSession,
    query: Annotated[StatementPaymentAttemptsQuery, query_model(StatementPaymentAttemptsQuery)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await statements.list_payment_attempts(session, ctx, statement_id=statementID, query=query)
    )


@router.get("/users/{user_id}/billing/subscription", operation_id="GetUserBillingSubscription")
async def get_user_subscription(user_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await subscriptions.get_payer_subscription(session, ctx, user_id=user_id))


@router.get("/organizations/{organization_id}/billing/subscription", operation_id="GetOrganizationBillingSubscription")
async def get_organization_subscription(
    organization_id: str, ctx: Context, session: DbReadSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await subscriptions.get_payer_subscription(session, ctx, organization_id=organization_id))


# locum's own: plans (Clerk's dashboard), checkout, and the clock.


@locum_router.get("/billing/plans")
async def locum_list_plans(
    ctx: Context, session: DbReadSession, query: Annotated[LocumPlanListQuery, query_model(LocumPlanListQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await plans.list_plans(session, ctx, query=query))


@locum_router.post("/billing/plans")
async def locum_create_plan(
    ctx: Context, session: DbSession, body: Annotated[CreatePlanBody, body_of(CreatePlanBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await plans.create_plan(session, ctx, body=body))


@locum_router.get("/billing/plans/{plan_id}")
async def locum_get_plan(plan_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await plans.get_plan(session, ctx, plan_id=plan_id))


@locum_router.patch("/billing/plans/{plan_id}")
async def locum_update_plan(
    plan_id: str, ctx: Context, session: DbSession, body: Annotated[UpdatePlanBody, body_of(UpdatePlanBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await plans.update_plan(session, ctx, plan_id=plan_id, body=body))


@locum_router.delete("/billing/plans/{plan_id}")
async def locum_delete_plan(plan_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await plans.delete_plan(session, ctx, plan_id=plan_id))


@locum_router.post("/billing/subscriptions")
async def locum_subscribe(
    ctx: Context, session: DbSession, body: Annotated[SubscribeBody, body_of(SubscribeBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await subscriptions.subscribe(session, ctx, body))


@locum_router.post("/billing/subscription_items/{subscription_item_id}/advance")
async def locum_advance(subscription_item_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await subscriptions.advance(session, ctx, item_id=subscription_item_id))
