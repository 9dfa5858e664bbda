"""Statements and payment attempts: each charge of a subscription item lands on its payer's open
statement (a new one opens when none is); locum's clock closes a payer's statements at the end of
a period. A charge is paid or failed at once, as the simulated processor is told to answer."""

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.pagination import PaginatedQuery, list_body
from locum.db.locking import locked
from locum.db.models import BillingPaymentAttempt, BillingSubscriptionItem
from locum.instances.context import RequestContext
from locum.kit.ids import new_id
from locum.kit.json_types import JSON
from locum.resources.billing.repository import PayerRepository, PaymentAttemptRepository, StatementRepository
from locum.resources.billing.serializers import payment_attempt_json, statement_json


async def charge(
    session: AsyncSession,
    ctx: RequestContext,
    item: BillingSubscriptionItem,
    *,
    amount: int,
    charge_type: Literal["checkout", "recurring"],
    at: int,
    paid: bool,
) -> BillingPaymentAttempt:
    await session.flush()  # the item (and its subscription) exist before a row references them
    statements = StatementRepository(session, ctx.instance_id)
    open_statements = await statements.open_of(item.payer_id, lock=locked)
    statement = (
        open_statements[0]
        if open_statements
        else statements.add(payer_id=item.payer_id, status="open", timestamp=at, created_at=at, updated_at=at)
    )
    statement.updated_at = max(at, statement.updated_at)
    await session.flush()
    attempt = PaymentAttemptRepository(session, ctx.instance_id).add(
        payment_id=new_id("billing_payment"),
        statement_id=statement.id,
        payer_id=item.payer_id,
        subscription_item_id=item.id,
        charge_type=charge_type,
        amount=amount,
        currency="USD",
        status="paid" if paid else "failed",
        paid_at=at if paid else None,
        failed_at=None if paid else at,
        created_at=at,
        updated_at=at,
    )
    await session.flush()
    return attempt


async def list_statements(session: AsyncSession, ctx: RequestContext, *, query: PaginatedQuery) -> JSON:
    rows, total = await StatementRepository(session, ctx.instance_id).page(query)
    attempts = await PaymentAttemptRepository(session, ctx.instance_id).of_statements(row.id for row in rows)
    payers = await PayerRepository(session, ctx.instance_id).views(row.payer_id for row in rows)
    return list_body([statement_json(row, attempts[row.id], payers[row.payer_id], ctx.origin) for row in rows], total)


async def get_statement(session: AsyncSession, ctx: RequestContext, *, statement_id: str) -> JSON:
    statement = await StatementRepository(session, ctx.instance_id).get_or_raise(statement_id)
    attempts = await PaymentAttemptRepository(session, ctx.instance_id).of_statements([statement.id])
    payer = await PayerRepository(session, ctx.instance_id).views([statement.payer_id])
    return statement_json(statement, attempts[statement.id], payer[statement.payer_id], ctx.origin)


async def list_payment_attempts(
    session: AsyncSession, ctx: RequestContext, *, statement_id: str, query: PaginatedQuery
) -> JSON:
    statement = await StatementRepository(session, ctx.instance_id).get_or_raise(statement_id)
    rows, total = await PaymentAttemptRepository(session, ctx.instance_id).page(statement.id, query)
    payer = (await PayerRepository(session, ctx.instance_id).views([statement.payer_id]))[statement.payer_id]
    return list_body([payment_attempt_json(row, payer, ctx.origin) for row in rows], total)
