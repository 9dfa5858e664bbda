"""Clerk's credit balance operations, for users and for organizations."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.billing_credits import service
from locum.resources.billing_credits.schemas import AdjustCreditBalanceBody

router = resource_router(tags=["Billing"])


@router.get("/users/{user_id}/billing/credits", operation_id="GetUserBillingCreditBalance")
async def get_user_billing_credit_balance(user_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_credit_balance(session, ctx, user_id=user_id))


@router.post("/users/{user_id}/billing/credits", operation_id="AdjustUserBillingCreditBalance")
async def adjust_user_billing_credit_balance(
    user_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[AdjustCreditBalanceBody, body_of(AdjustCreditBalanceBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.adjust_credit_balance(session, ctx, body, user_id=user_id))


@router.get("/organizations/{organization_id}/billing/credits", operation_id="GetOrganizationBillingCreditBalance")
async def get_organization_billing_credit_balance(
    organization_id: str, ctx: Context, session: DbReadSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_credit_balance(session, ctx, organization_id=organization_id))


@router.post("/organizations/{organization_id}/billing/credits", operation_id="AdjustOrganizationBillingCreditBalance")
async def adjust_organization_billing_credit_balance(
    organization_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[AdjustCreditBalanceBody, body_of(AdjustCreditBalanceBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.adjust_credit_balance(session, ctx, body, organization_id=organization_id))
