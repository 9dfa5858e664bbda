"""Account credits: a payer's balance and the adjustments that make it.

The payer is billing's payer of the user (or organization), made with its first adjustment if it
never subscribed. An adjustment locks the user's (or organization's) row, as billing's checkout does
before it makes a payer, and then the payer's balance row: the adjustments of one payer run one at a
time on both databases, so a concurrent one never loses an update, and a repeat of one idempotency
key finds the entry its first request made and answers it (the (instance, payer, key) unique
constraint backs this up). A repeat whose amount, action, currency or note differ is refused (409).
A decrease below zero is refused (400): credits are never owed. Credits are in USD, the one currency
Clerk Billing charges in.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.bodies import INT64_MAX
from locum.api.errors import form_param_value_invalid
from locum.db.locking import locked
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.kit.json_types import JSON
from locum.resources.billing.repository import PayerRepository, PayerSubjectRepository
from locum.resources.billing_credits.errors import (
    currency_not_supported,
    idempotency_key_reused,
    insufficient_credit_balance,
    organization_not_found,
    user_not_found,
)
from locum.resources.billing_credits.repository import CreditBalanceRepository, CreditLedgerRepository
from locum.resources.billing_credits.schemas import AdjustCreditBalanceBody
from locum.resources.billing_credits.serializers import credit_balance_json, ledger_entry_json

SUPPORTED_CURRENCY = "USD"
# What made an adjustment made through the Backend API (or Clerk's dashboard).
GRANT_SOURCE = "grant"


def _currency(given: str | None) -> str:
    currency = (given or SUPPORTED_CURRENCY).upper()
    if currency != SUPPORTED_CURRENCY:
        raise currency_not_supported(given or "")
    return currency


async def _payer_id(
    session: AsyncSession, ctx: RequestContext, *, user_id: str | None, organization_id: str | None, make: bool
) -> str | None:
    """The payer id of the user (or organization), 404 if it doesn't exist. With `make`, its row is
    locked until commit and a payer is made if it has none; without, None when it has none."""
    subjects = PayerSubjectRepository(session, ctx.instance_id)
    payers = PayerRepository(session, ctx.instance_id)
    lock = locked if make else None
    if user_id is not None:
        if await subjects.user(user_id, lock=lock) is None:
            raise user_not_found()
        payer = await payers.of_user(user_id)
    else:
        assert organization_id is not None
        if await subjects.organization(organization_id, lock=lock) is None:
            raise organization_not_found()
        payer = await payers.of_organization(organization_id)
    if payer is None and make:
        payer = payers.add(user_id=user_id, organization_id=organization_id)
        await session.flush()
    return None if payer is None else payer.id


async def get_credit_balance(
    session: AsyncSession, ctx: RequestContext, *, user_id: str | None = None, organization_id: str | None = None
) -> JSON:
    payer_id = await _payer_id(session, ctx, user_id=user_id, organization_id=organization_id, make=False)
    balance = None if payer_id is None else await CreditBalanceRepository(session, ctx.instance_id).of(payer_id)
    return credit_balance_json(balance)


async def adjust_credit_balance(
    session: AsyncSession,
    ctx: RequestContext,
    body: AdjustCreditBalanceBody,
    *,
    user_id: str | None = None,
    organization_id: str | None = None,
) -> JSON:
    currency = _currency(body.currency)
    payer_id = await _payer_id(session, ctx, user_id=user_id, organization_id=organization_id, make=True)
    assert payer_id is not None
    balance = await CreditBalanceRepository(session, ctx.instance_id).lock_or_open(payer_id, currency)
    ledger = CreditLedgerRepository(session, ctx.instance_id)
    delta = body.amount if body.action == "increase" else -body.amount
    earlier = await ledger.by_idempotency_key(payer_id, body.idempotency_key)
    if earlier is not None:
        if (earlier.amount, earlier.currency, earlier.note) != (delta, currency, body.note):
            raise idempotency_key_reused()
        return ledger_entry_json(earlier)
    new_amount = balance.amount + delta
    if new_amount < 0:
        raise insufficient_credit_balance(balance.amount, body.amount)
    if new_amount > INT64_MAX:
        raise form_param_value_invalid("amount", "The credit balance would exceed the largest amount it can hold.")
    balance.amount = new_amount
    balance.updated_at = now_ms()
    entry = ledger.add(
        payer_id=payer_id,
        amount=delta,
        currency=currency,
        source_type=GRANT_SOURCE,
        source_id=new_id("billing_credit_grant"),
        idempotency_key=body.idempotency_key,
        note=body.note,
    )
    await session.flush()
    return ledger_entry_json(entry)
