"""Billing queries: plans with their features and default price, prices, payers with the user or
organization they stand for, subscriptions and their items, statements and payment attempts."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select

from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import PageQuery, page_of
from locum.db.locking import locked
from locum.db.models import (
    BillingFeature,
    BillingPayer,
    BillingPaymentAttempt,
    BillingPlan,
    BillingPlanFeature,
    BillingPrice,
    BillingStatement,
    BillingSubscription,
    BillingSubscriptionItem,
    EmailAddress,
    Organization,
    User,
)
from locum.db.repository import InstanceRepository, Lock
from locum.resources.billing import errors

# Items still part of the payer's billing (not ended or abandoned).
LIVE_ITEM_STATUSES = ("active", "past_due", "upcoming", "canceled", "incomplete")


@dataclass
class PlanView:
    plan: BillingPlan
    price: BillingPrice
    features: list[BillingFeature] = field(default_factory=list)

    @property
    def is_free(self) -> bool:
        return self.plan.is_default or (self.price.amount == 0 and self.price.annual_monthly_amount == 0)


@dataclass
class PayerView:
    payer: BillingPayer
    user: User | None
    email: str | None
    organization: Organization | None


class PlanRepository(InstanceRepository[BillingPlan]):
    model = BillingPlan
    id_kind = "billing_plan"

    def not_found(self, id: str) -> Exception:
        return errors.plan_not_found()

    async def by_slug(self, payer_type: str, slug: str) -> BillingPlan | None:
        plan: BillingPlan | None = await self.session.scalar(
            self.select().where(BillingPlan.payer_type == payer_type, BillingPlan.slug == slug)
        )
        return plan

    async def default_plan(self, payer_type: str) -> BillingPlan | None:
        plan: BillingPlan | None = await self.session.scalar(
            self.select().where(BillingPlan.payer_type == payer_type, BillingPlan.is_default)
        )
        return plan

    def listing(self, payer_type: str | None) -> Select[Any]:
        statement = self.select()
        if payer_type is not None:
            statement = statement.where(BillingPlan.payer_type == payer_type)
        return statement

    async def page(self, statement: Select[Any], page: PageQuery) -> tuple[list[BillingPlan], int]:
        result = await page_of(
            self.session,
            statement,
            page,
            ordering=NEWEST_FIRST,
            column=BillingPlan.created_at,
            id_column=BillingPlan.id,
        )
        return result.items, result.total_count

    async def views(self, plans: Iterable[BillingPlan]) -> dict[str, PlanView]:
        """Each plan with its default price and features (two queries for any number of plans)."""
        by_id = {plan.id: plan for plan in plans}
        if not by_id:
            return {}
        prices = await self.session.scalars(
            select(BillingPrice).where(
                self.scope(BillingPrice), BillingPrice.plan_id.in_(by_id), BillingPrice.is_default
            )
        )
        price_of = {price.plan_id: price for price in prices}
        rows = await self.session.execute(
            select(BillingPlanFeature.plan_id, BillingFeature)
            .join(BillingFeature, BillingFeature.id == BillingPlanFeature.feature_id)
            .where(
                self.scope(BillingPlanFeature),
                self.scope(BillingFeature),
                BillingPlanFeature.plan_id.in_(by_id),
            )
            .order_by(BillingPlanFeature.position, BillingFeature.slug)
        )
        features: dict[str, list[BillingFeature]] = {}
        for plan_id, feature in rows:
            features.setdefault(plan_id, []).append(feature)
        return {
            plan_id: PlanView(plan, price_of[plan_id], features.get(plan_id, [])) for plan_id, plan in by_id.items()
        }

    async def view(self, plan: BillingPlan) -> PlanView:
        return (await self.views([plan]))[plan.id]

    async def views_by_id(self, plan_ids: Iterable[str]) -> dict[str, PlanView]:
        ids = set(plan_ids)
        if not ids:
            return {}
        plans = await self.session.scalars(self.select().where(BillingPlan.id.in_(ids)))
        return await self.views(plans)


class FeatureRepository(InstanceRepository[BillingFeature]):
    model = BillingFeature
    id_kind = "billing_feature"

    def not_found(self, id: str) -> Exception:
        return errors.plan_not_found()

    async def by_slugs(self, slugs: Iterable[str]) -> dict[str, BillingFeature]:
        wanted = set(slugs)
        if not wanted:
            return {}
        rows = await self.session.scalars(self.select().where(BillingFeature.slug.in_(wanted)))
        return {row.slug: row for row in rows}


class PriceRepository(InstanceRepository[BillingPrice]):
    model = BillingPrice
    id_kind = "billing_price"

    def not_found(self, id: str) -> Exception:
        return errors.price_not_found()

    async def default_of(self, plan_id: str) -> BillingPrice:
        price: BillingPrice = (
            await self.session.scalars(self.select().where(BillingPrice.plan_id == plan_id, BillingPrice.is_default))
        ).one()
        return price

    async def by_ids(self, ids: Iterable[str]) -> dict[str, BillingPrice]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self.session.scalars(self.select().where(BillingPrice.id.in_(wanted)))
        return {price.id: price for price in rows}

    async def page(self, plan_id: str | None, page: PageQuery) -> tuple[list[BillingPrice], int]:
        """Amount ascending, then newest first (as Clerk documents the list)."""
        statement = self.select()
        if plan_id is not None:
            statement = statement.where(BillingPrice.plan_id == plan_id)
        total = await self.session.scalar(select(func.count()).select_from(statement.subquery()))
        rows = await self.session.scalars(
            statement.order_by(BillingPrice.amount.asc(), BillingPrice.created_at.desc(), BillingPrice.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
        return list(rows), int(total or 0)


class PayerRepository(InstanceRepository[BillingPayer]):
    model = BillingPayer
    id_kind = "billing_payer"

    def not_found(self, id: str) -> Exception:
        return errors.subscription_not_found()

    async def of_user(self, user_id: str) -> BillingPayer | None:
        payer: BillingPayer | None = await self.session.scalar(self.select().where(BillingPayer.user_id == user_id))
        return payer

    async def of_organization(self, organization_id: str) -> BillingPayer | None:
        payer: BillingPayer | None = await self.session.scalar(
            self.select().where(BillingPayer.organization_id == organization_id)
        )
        return payer

    async def views(self, payer_ids: Iterable[str]) -> dict[str, PayerView]:
        ids = set(payer_ids)
        if not ids:
            return {}
        rows = await self.session.execute(
            select(BillingPayer, User, EmailAddress.email_address, Organization)
            .outerjoin(User, (User.id == BillingPayer.user_id) & (User.instance_id == BillingPayer.instance_id))
            .outerjoin(
                EmailAddress,
                (EmailAddress.id == User.primary_email_address_id)
                & (EmailAddress.instance_id == BillingPayer.instance_id),
            )
            .outerjoin(
                Organization,
                (Organization.id == BillingPayer.organization_id)
                & (Organization.instance_id == BillingPayer.instance_id),
            )
            .where(self.scope(), BillingPayer.id.in_(ids))
        )
        return {payer.id: PayerView(payer, user, email, organization) for payer, user, email, organization in rows}

    async def view(self, payer: BillingPayer) -> PayerView:
        return (await self.views([payer.id]))[payer.id]


class SubscriptionRepository(InstanceRepository[BillingSubscription]):
    model = BillingSubscription
    id_kind = "billing_subscription"

    def not_found(self, id: str) -> Exception:
        return errors.subscription_not_found()

    async def live_of(self, payer_id: str, *, lock: Lock | None = None) -> BillingSubscription | None:
        statement = self.select().where(
            BillingSubscription.payer_id == payer_id, BillingSubscription.status.not_in(("ended", "abandoned"))
        )
        if lock is not None:
            statement = lock(statement)
        subscription: BillingSubscription | None = await self.session.scalar(statement)
        return subscription


class SubscriptionItemRepository(InstanceRepository[BillingSubscriptionItem]):
    model = BillingSubscriptionItem
    id_kind = "billing_subscription_item"

    def not_found(self, id: str) -> Exception:
        return errors.subscription_item_not_found()

    async def of_subscription(self, subscription_id: str, *, lock: Lock | None = None) -> list[BillingSubscriptionItem]:
        statement = self.select().where(BillingSubscriptionItem.subscription_id == subscription_id)
        if lock is not None:
            statement = lock(statement)
        rows = await self.session.scalars(
            statement.order_by(BillingSubscriptionItem.created_at, BillingSubscriptionItem.id)
        )
        return list(rows)

    def listing(
        self,
        *,
        status: str | None,
        payer_type: str | None,
        plan_id: str | None,
        include_free: bool,
        query: str | None,
    ) -> Select[Any]:
        statement = self.select().join(
            BillingPlan,
            (BillingPlan.id == BillingSubscriptionItem.plan_id) & self.scope(BillingPlan),
        )
        if status == "free_trial":
            statement = statement.where(
                BillingSubscriptionItem.is_free_trial, BillingSubscriptionItem.status.in_(("active", "canceled"))
            )
        elif status is not None:
            statement = statement.where(BillingSubscriptionItem.status == status)
        if payer_type is not None:
            statement = statement.where(BillingPlan.payer_type == payer_type)
        if plan_id is not None:
            statement = statement.where(BillingSubscriptionItem.plan_id == plan_id)
        if not include_free:
            paid = (
                select(BillingPrice.id)
                .where(
                    self.scope(BillingPrice),
                    BillingPrice.id == BillingSubscriptionItem.price_id,
                    or_(BillingPrice.amount > 0, BillingPrice.annual_monthly_amount > 0),
                )
                .exists()
            )
            statement = statement.where(~BillingPlan.is_default, paid)
        if query:
            pattern = f"%{_escaped(query.lower())}%"
            matching_payers = (
                select(BillingPayer.id)
                .outerjoin(User, (User.id == BillingPayer.user_id) & self.scope(User))
                .outerjoin(EmailAddress, (EmailAddress.id == User.primary_email_address_id) & self.scope(EmailAddress))
                .outerjoin(Organization, (Organization.id == BillingPayer.organization_id) & self.scope(Organization))
                .where(
                    self.scope(BillingPayer),
                    or_(
                        BillingPayer.user_id == query,
                        BillingPayer.organization_id == query,
                        User.first_name.ilike(pattern, escape="\\"),
                        User.last_name.ilike(pattern, escape="\\"),
                        EmailAddress.email_address_normalized.like(pattern, escape="\\"),
                        Organization.name.ilike(pattern, escape="\\"),
                    ),
                )
            )
            statement = statement.where(
                or_(
                    BillingSubscriptionItem.payer_id.in_(matching_payers),
                    BillingPlan.name.ilike(pattern, escape="\\"),
                    BillingPlan.slug.ilike(pattern, escape="\\"),
                )
            )
        return statement

    async def page(self, statement: Select[Any], page: PageQuery) -> tuple[list[BillingSubscriptionItem], int]:
        result = await page_of(
            self.session,
            statement,
            page,
            ordering=NEWEST_FIRST,
            column=BillingSubscriptionItem.created_at,
            id_column=BillingSubscriptionItem.id,
        )
        return result.items, result.total_count

    async def has_had_free_trial(self, payer_id: str) -> bool:
        found = await self.session.scalar(
            self.select(BillingSubscriptionItem.id)
            .where(BillingSubscriptionItem.payer_id == payer_id, BillingSubscriptionItem.is_free_trial)
            .limit(1)
        )
        return found is not None


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class StatementRepository(InstanceRepository[BillingStatement]):
    model = BillingStatement
    id_kind = "billing_statement"

    def not_found(self, id: str) -> Exception:
        return errors.statement_not_found()

    async def open_of(self, payer_id: str, *, lock: Lock | None = None) -> list[BillingStatement]:
        statement = self.select().where(BillingStatement.payer_id == payer_id, BillingStatement.status == "open")
        if lock is not None:
            statement = lock(statement)
        return list(await self.session.scalars(statement))

    async def close_open(self, payer_id: str, *, at: int) -> None:
        for statement in await self.open_of(payer_id, lock=locked):
            statement.status = "closed"
            statement.updated_at = max(at, statement.updated_at)

    async def page(self, page: PageQuery) -> tuple[list[BillingStatement], int]:
        result = await page_of(
            self.session,
            self.select(),
            page,
            ordering=NEWEST_FIRST,
            column=BillingStatement.created_at,
            id_column=BillingStatement.id,
        )
        return result.items, result.total_count


class PaymentAttemptRepository(InstanceRepository[BillingPaymentAttempt]):
    model = BillingPaymentAttempt
    id_kind = "billing_payment_attempt"

    def not_found(self, id: str) -> Exception:
        return errors.statement_not_found()

    async def of_statements(self, statement_ids: Iterable[str]) -> dict[str, list[BillingPaymentAttempt]]:
        ids = set(statement_ids)
        if not ids:
            return {}
        rows = await self.session.scalars(
            self.select()
            .where(BillingPaymentAttempt.statement_id.in_(ids))
            .order_by(BillingPaymentAttempt.created_at.desc(), BillingPaymentAttempt.id.desc())
        )
        attempts: dict[str, list[BillingPaymentAttempt]] = {statement_id: [] for statement_id in ids}
        for row in rows:
            attempts[row.statement_id].append(row)
        return attempts

    async def page(self, statement_id: str, page: PageQuery) -> tuple[list[BillingPaymentAttempt], int]:
        result = await page_of(
            self.session,
            self.select().where(BillingPaymentAttempt.statement_id == statement_id),
            page,
            ordering=NEWEST_FIRST,
            column=BillingPaymentAttempt.created_at,
            id_column=BillingPaymentAttempt.id,
        )
        return result.items, result.total_count


class PayerSubjectRepository(InstanceRepository[User]):
    """The user or organization a payer stands for, read (and locked) by the billing operations."""

    model = User
    id_kind = "user"

    def not_found(self, id: str) -> Exception:
        return errors.payer_not_found("organization" if id.startswith("org_") else "user")

    async def user(self, user_id: str, *, lock: Lock | None = None) -> User | None:
        statement = self.select().where(User.id == user_id)
        if lock is not None:
            statement = lock(statement)
        user: User | None = await self.session.scalar(statement)
        return user

    async def organization(self, organization_id: str, *, lock: Lock | None = None) -> Organization | None:
        statement = select(Organization).where(self.scope(Organization), Organization.id == organization_id)
        if lock is not None:
            statement = lock(statement)
        organization: Organization | None = await self.session.scalar(statement)
        return organization
