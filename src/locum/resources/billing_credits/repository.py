"""Credit queries: a payer found (or made) for a user or an organization, its balance row locked for
an adjustment, and its ledger entries by idempotency key."""

from typing import Any, cast

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import not_found
from locum.db.locking import locked
from locum.db.models import BillingCreditBalance, BillingCreditLedgerEntry, BillingPayer
from locum.db.repository import InstanceRepository
from locum.kit.clock import now_ms
from locum.kit.ids import new_id


async def insert_unless_exists(session: AsyncSession, model: Any, row: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: concurrent requests may each make the same row."""
    # SQLAlchemy types a model's __table__ as any FromClause; each of locum's models maps a Table.
    table = cast(Table, model.__table__)
    statement: Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(table).values(row).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(table).values(row).on_conflict_do_nothing()
    await session.execute(statement)


class PayerRepository(InstanceRepository[BillingPayer]):
    model = BillingPayer
    id_kind = "billing_payer"

    def not_found(self, id: str) -> Exception:
        return not_found("payer")

    async def id_of(self, *, user_id: str | None = None, organization_id: str | None = None) -> str | None:
        """The payer id of a user (or an organization), None when it never had one."""
        column = BillingPayer.user_id if user_id is not None else BillingPayer.organization_id
        payer_id: str | None = await self.session.scalar(
            self.select(BillingPayer.id).where(column == (user_id or organization_id))
        )
        return payer_id

    async def ensure(self, *, user_id: str | None = None, organization_id: str | None = None) -> str:
        """The payer id of a user (or an organization), made now if it has none."""
        at_ms = now_ms()
        await insert_unless_exists(
            self.session,
            BillingPayer,
            {
                "id": new_id(self.id_kind),
                "instance_id": self.instance_id,
                "user_id": user_id,
                "organization_id": organization_id,
                "created_at": at_ms,
                "updated_at": at_ms,
            },
        )
        payer_id = await self.id_of(user_id=user_id, organization_id=organization_id)
        assert payer_id is not None
        return payer_id


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

    async def lock(self, payer_id: str, currency: str) -> BillingCreditBalance:
        """The payer's balance row (a zero one made first if it has none), locked until commit: the
        adjustments of one payer run one at a time."""
        at_ms = now_ms()
        await insert_unless_exists(
            self.session,
            BillingCreditBalance,
            {
                "payer_id": payer_id,
                "instance_id": self.instance_id,
                "currency": currency,
                "amount": 0,
                "created_at": at_ms,
                "updated_at": at_ms,
            },
        )
        balance: BillingCreditBalance = (
            await self.session.scalars(locked(self.select().where(BillingCreditBalance.payer_id == payer_id)))
        ).one()
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
