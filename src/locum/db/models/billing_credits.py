"""A payer's account credits (a ledger of adjustments and the balance they add up to) and the
discounts (Clerk's coupons) that can be redeemed on a subscription item.

Money is integer cents, as in billing.py. A payer's balance row is created with its first
adjustment (so "never had credits" is the absence of the row) and locked by every adjustment: the
balance and the ledger entry change in one transaction, one adjustment at a time per payer.
An adjustment's idempotency key is unique per payer, so a repeated request finds its entry.

A discount redemption snapshots the discount it redeems (name, effect, amounts, duration), as Clerk
renders it; at most one redemption of an item is active (partial unique index).
"""

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped

CURRENCY_LENGTH = 3
NAME_LENGTH = 256
KIND_LENGTH = 16
IDEMPOTENCY_KEY_LENGTH = 255
NOTE_LENGTH = 1024

ACTIVE_REDEMPTION = text("status = 'active'")


class BillingCreditBalance(InstanceScoped, Timestamped, Base):
    """A payer's credit balance: the sum of its ledger entries, kept in step with them."""

    __tablename__ = "billing_credit_balances"

    payer_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("billing_payers.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(CURRENCY_LENGTH), default="USD")
    amount: Mapped[int] = mapped_column(BigInteger, default=0)


class BillingCreditLedgerEntry(InstanceScoped, Timestamped, Base):
    """One adjustment of a payer's balance: `amount` is positive for an increase, negative for a decrease."""

    __tablename__ = "billing_credit_ledger_entries"
    __table_args__ = (
        UniqueConstraint("instance_id", "payer_id", "idempotency_key"),
        Index(None, "payer_id", "instance_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    payer_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("billing_payers.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(CURRENCY_LENGTH))
    source_type: Mapped[str] = mapped_column(String(KIND_LENGTH))
    source_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    idempotency_key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_LENGTH))
    note: Mapped[str | None] = mapped_column(String(NOTE_LENGTH))


class BillingDiscount(InstanceScoped, Timestamped, Base):
    """A discount: `percent_off` (effect "percentage") or `amount_off` cents ("fixed_amount") off each
    charge, for `cycles` billing cycles (None: for as long as it stays applied)."""

    __tablename__ = "billing_discounts"
    __table_args__ = (Index(None, "instance_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    effect: Mapped[str] = mapped_column(String(KIND_LENGTH))
    percent_off: Mapped[float | None] = mapped_column(Float)
    amount_off: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(CURRENCY_LENGTH), default="USD")
    cycles: Mapped[int | None] = mapped_column(Integer)


class BillingDiscountRedemption(InstanceScoped, Timestamped, Base):
    """A discount applied to a subscription item, with the discount as it was then."""

    __tablename__ = "billing_discount_redemptions"
    __table_args__ = (
        Index(None, "subscription_item_id", "instance_id", "created_at"),
        Index(None, "discount_id", "instance_id"),
        # At most one active discount per subscription item.
        Index(
            None,
            "instance_id",
            "subscription_item_id",
            unique=True,
            sqlite_where=ACTIVE_REDEMPTION,
            postgresql_where=ACTIVE_REDEMPTION,
        ),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    subscription_item_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("billing_subscription_items.id", ondelete="CASCADE")
    )
    discount_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("billing_discounts.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(KIND_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    effect: Mapped[str] = mapped_column(String(KIND_LENGTH))
    percent_off: Mapped[float | None] = mapped_column(Float)
    amount_off: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(CURRENCY_LENGTH))
    # What it takes off the item's next charge, computed from the item's price when applied.
    amount: Mapped[int | None] = mapped_column(BigInteger)
    cycles_applied: Mapped[int] = mapped_column(Integer, default=0)
    cycles_remaining: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(KIND_LENGTH))
    redeemed_at: Mapped[int] = mapped_column(BigInteger)
    redeemed_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    removed_at: Mapped[int | None] = mapped_column(BigInteger)
