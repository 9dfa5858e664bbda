"""Clerk Billing without a payment processor: plans and their features and prices, payers (one per
user or organization that ever subscribed), subscriptions and their items, statements and the
payment attempts on them.

Money is integer cents. A plan's own fees are its default price (`billing_prices.is_default`);
CreateBillingPrice adds custom prices. A payer has at most one live subscription (partial unique
index); its items carry the plan and price each period was bought at, and what locum's simulated
processor answers when the item is charged (`payment_outcome`).
"""

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped

NAME_LENGTH = 256
SLUG_LENGTH = 128
CURRENCY_LENGTH = 3
STATUS_LENGTH = 16
URL_LENGTH = 2048

LIVE_SUBSCRIPTION = text("status NOT IN ('ended', 'abandoned')")


class BillingPlan(InstanceScoped, Timestamped, Base):
    """A plan for users (`payer_type` "user") or organizations ("org"); its slug is unique per payer type."""

    __tablename__ = "billing_plans"
    __table_args__ = (
        UniqueConstraint("instance_id", "payer_type", "slug"),
        Index(None, "instance_id", "payer_type", "created_at"),
        Index(None, "instance_id", "created_at"),
        # One default (free) plan per payer type.
        Index(
            None,
            "instance_id",
            "payer_type",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    description: Mapped[str] = mapped_column(Text, default="")
    payer_type: Mapped[str] = mapped_column(String(8))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    publicly_visible: Mapped[bool] = mapped_column(Boolean, default=True)
    free_trial_days: Mapped[int | None] = mapped_column(Integer)
    avatar_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    product_id: Mapped[str] = mapped_column(String(ID_LENGTH))


class BillingFeature(InstanceScoped, Timestamped, Base):
    """A feature plans grant (`has({feature})`); its slug is unique per instance."""

    __tablename__ = "billing_features"
    __table_args__ = (UniqueConstraint("instance_id", "slug"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    description: Mapped[str] = mapped_column(Text, default="")
    avatar_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))


class BillingPlanFeature(InstanceScoped, Base):
    __tablename__ = "billing_plan_features"

    plan_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("billing_plans.id", ondelete="CASCADE"), primary_key=True
    )
    feature_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("billing_features.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class BillingPrice(InstanceScoped, Timestamped, Base):
    """A plan's price: `amount` per month and `annual_monthly_amount` per month when paid yearly."""

    __tablename__ = "billing_prices"
    __table_args__ = (
        Index(None, "instance_id", "plan_id"),
        Index(None, "instance_id", "amount", "created_at"),
        Index(
            None,
            "plan_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("billing_plans.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(CURRENCY_LENGTH), default="USD")
    amount: Mapped[int] = mapped_column(BigInteger)
    annual_monthly_amount: Mapped[int] = mapped_column(BigInteger)
    supported_billing_periods: Mapped[str] = mapped_column(String(8), default="both")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)


class BillingPayer(InstanceScoped, Timestamped, Base):
    """Who pays: exactly one of a user and an organization."""

    __tablename__ = "billing_payers"
    __table_args__ = (
        UniqueConstraint("instance_id", "user_id"),
        UniqueConstraint("instance_id", "organization_id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )


class BillingSubscription(InstanceScoped, Timestamped, Base):
    __tablename__ = "billing_subscriptions"
    __table_args__ = (
        Index(
            None,
            "instance_id",
            "payer_id",
            unique=True,
            sqlite_where=LIVE_SUBSCRIPTION,
            postgresql_where=LIVE_SUBSCRIPTION,
        ),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    payer_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("billing_payers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    active_at: Mapped[int | None] = mapped_column(BigInteger)
    past_due_at: Mapped[int | None] = mapped_column(BigInteger)


class BillingSubscriptionItem(InstanceScoped, Timestamped, Base):
    """One plan for one period run of a subscription. `payment_outcome` ("paid" | "failed") is what
    every charge of this item answers in locum (no real processor)."""

    __tablename__ = "billing_subscription_items"
    __table_args__ = (
        Index(None, "instance_id", "created_at"),
        Index(None, "instance_id", "status", "created_at"),
        Index(None, "plan_id", "instance_id", "created_at"),
        Index(None, "payer_id", "instance_id", "created_at"),
        Index(None, "subscription_id", "instance_id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("billing_subscriptions.id", ondelete="CASCADE")
    )
    payer_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("billing_payers.id", ondelete="CASCADE"))
    plan_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("billing_plans.id", ondelete="CASCADE"))
    price_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("billing_prices.id", ondelete="CASCADE"), index=True
    )
    plan_period: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    is_free_trial: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_outcome: Mapped[str] = mapped_column(String(8), default="paid")
    lifetime_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    period_start: Mapped[int] = mapped_column(BigInteger)
    period_end: Mapped[int | None] = mapped_column(BigInteger)
    canceled_at: Mapped[int | None] = mapped_column(BigInteger)
    past_due_at: Mapped[int | None] = mapped_column(BigInteger)
    ended_at: Mapped[int | None] = mapped_column(BigInteger)
    free_trial_ending_notified: Mapped[bool] = mapped_column(Boolean, default=False)


class BillingStatement(InstanceScoped, Timestamped, Base):
    """A payer's statement for one billing period (`timestamp` = the period's start)."""

    __tablename__ = "billing_statements"
    __table_args__ = (Index(None, "instance_id", "created_at"), Index(None, "payer_id", "instance_id", "timestamp"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    payer_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("billing_payers.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH), default="open")
    currency: Mapped[str] = mapped_column(String(CURRENCY_LENGTH), default="USD")
    timestamp: Mapped[int] = mapped_column(BigInteger)


class BillingPaymentAttempt(InstanceScoped, Timestamped, Base):
    """One charge of a subscription item on a statement ("checkout" or "recurring")."""

    __tablename__ = "billing_payment_attempts"
    __table_args__ = (
        Index(None, "statement_id", "instance_id", "created_at"),
        Index(None, "subscription_item_id", "instance_id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    statement_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("billing_statements.id", ondelete="CASCADE")
    )
    payer_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("billing_payers.id", ondelete="CASCADE"), index=True
    )
    subscription_item_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("billing_subscription_items.id", ondelete="CASCADE")
    )
    charge_type: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(CURRENCY_LENGTH), default="USD")
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    paid_at: Mapped[int | None] = mapped_column(BigInteger)
    failed_at: Mapped[int | None] = mapped_column(BigInteger)
