"""Credit queries: a payer's balance row (locked for an adjustment) and its ledger entries by
idempotency key. Payers themselves are billing's (resources/billing/repository.py)."""

from locum.api.errors import not_found
from locum.db.locking import locked
from locum.db.models import BillingCreditBalance, BillingCreditLedgerEntry
from locum.db.repository import InstanceRepository
from locum.kit.clock import now_ms


class CreditBalanceRepository(InstanceRepository[BillingCreditBalance]):
    model = BillingCreditBalance
    id_kind = "billing_payer"

    def not_found(self, id: str) -> Exception:
        return not_found("credit balance")

    async def of(self, payer_id: str) -> BillingCreditBalance | None:
        balance: BillingCreditBalance | None = await self.session.scalar(
            self.select().where(BillingCreditBalance.payer_id == payer_id)
        )
        return balance

    async def lock_or_open(self, payer_id: str, currency: str) -> BillingCreditBalance:
        """The payer's balance row locked until commit, or a new zero one (the caller holds the lock
        of the payer's user or organization, so no other request opens it meanwhile)."""
        balance: BillingCreditBalance | None = await self.session.scalar(
            locked(self.select().where(BillingCreditBalance.payer_id == payer_id))
        )
        if balance is None:
            at_ms = now_ms()
            balance = BillingCreditBalance(
                payer_id=payer_id,
                instance_id=self.instance_id,
                currency=currency,
                amount=0,
                created_at=at_ms,
                updated_at=at_ms,
            )
            self.session.add(balance)
        return balance


class CreditLedgerRepository(InstanceRepository[BillingCreditLedgerEntry]):
    model = BillingCreditLedgerEntry
    id_kind = "billing_credit_ledger_entry"

    def not_found(self, id: str) -> Exception:
        return not_found("credit ledger entry")

    async def by_idempotency_key(self, payer_id: str, key: str) -> BillingCreditLedgerEntry | None:
        entry: BillingCreditLedgerEntry | None = await self.session.scalar(
            self.select().where(
                BillingCreditLedgerEntry.payer_id == payer_id, BillingCreditLedgerEntry.idempotency_key == key
            )
        )
        return entry
