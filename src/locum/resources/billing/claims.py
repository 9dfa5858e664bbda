"""The session token's billing claims: `pla` (the plans) and the features (`fea`) of the user's
subscription and, when the session has an active organization, of that organization's.

Clerk's SDKs decode them in `has({plan})` / `has({feature})` (JS `splitByScope`): a comma list of
`<scope>:<slug>`, scope `u` for the user's, `o` for the organization's. A payer without a running
paid item is on its payer type's default plan, if the instance has one. One query, made whatever
the instance's use of billing: the items of the two payers and the default plans, with their features.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import BillingFeature, BillingPayer, BillingPlan, BillingPlanFeature, BillingSubscriptionItem
from locum.db.reads import Reader
from locum.instances.context import RequestContext

# The items whose plan a payer has now (a canceled one runs to the end of its period).
GRANTING_STATUSES = ("active", "past_due", "canceled")


@dataclass(frozen=True)
class BillingClaims:
    plans: list[str] = field(default_factory=list)
    user_features: list[str] = field(default_factory=list)
    organization_features: list[str] = field(default_factory=list)

    @property
    def pla(self) -> str | None:
        return ",".join(self.plans) or None


@cache
def billing_claims_statement() -> Select[Any]:
    item = BillingSubscriptionItem
    items = (
        select(
            literal("item").label("kind"),
            case((BillingPayer.user_id.is_not(None), literal("u")), else_=literal("o")).label("scope"),
            BillingPlan.slug.label("plan"),
            BillingFeature.slug.label("feature"),
        )
        .select_from(item)
        .join(BillingPayer, and_(BillingPayer.instance_id == item.instance_id, BillingPayer.id == item.payer_id))
        .join(BillingPlan, and_(BillingPlan.instance_id == item.instance_id, BillingPlan.id == item.plan_id))
        .outerjoin(
            BillingPlanFeature,
            and_(BillingPlanFeature.instance_id == item.instance_id, BillingPlanFeature.plan_id == BillingPlan.id),
        )
        .outerjoin(
            BillingFeature,
            and_(BillingFeature.instance_id == item.instance_id, BillingFeature.id == BillingPlanFeature.feature_id),
        )
        .where(
            item.instance_id == bindparam("instance_id"),
            # Spelled out: an expanding IN would need every bind value at compile time.
            or_(*(item.status == status for status in GRANTING_STATUSES)),
            or_(
                BillingPayer.user_id == bindparam("user_id"),
                BillingPayer.organization_id == bindparam("organization_id"),
            ),
        )
    )
    defaults = (
        select(
            literal("default").label("kind"),
            case((BillingPlan.payer_type == "user", literal("u")), else_=literal("o")).label("scope"),
            BillingPlan.slug.label("plan"),
            BillingFeature.slug.label("feature"),
        )
        .select_from(BillingPlan)
        .outerjoin(
            BillingPlanFeature,
            and_(
                BillingPlanFeature.instance_id == BillingPlan.instance_id, BillingPlanFeature.plan_id == BillingPlan.id
            ),
        )
        .outerjoin(
            BillingFeature,
            and_(
                BillingFeature.instance_id == BillingPlan.instance_id,
                BillingFeature.id == BillingPlanFeature.feature_id,
            ),
        )
        .where(BillingPlan.instance_id == bindparam("instance_id"), BillingPlan.is_default)
    )
    return select(union_all(items, defaults).subquery())


def claims_of(rows: Sequence[Sequence[Any]], *, organization_id: str | None) -> BillingClaims:
    found: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for kind, scope, plan, feature in rows:
        plans, features = found.setdefault((kind, scope), (set(), set()))
        plans.add(plan)
        if feature is not None:
            features.add(feature)
    chosen: dict[str, tuple[set[str], set[str]]] = {}
    for scope in ("u", "o"):
        if scope == "o" and organization_id is None:
            continue
        granted = found.get(("item", scope)) or found.get(("default", scope))
        if granted is not None:
            chosen[scope] = granted
    return BillingClaims(
        plans=[f"{scope}:{plan}" for scope in ("u", "o") if scope in chosen for plan in sorted(chosen[scope][0])],
        user_features=sorted(chosen.get("u", (set(), set()))[1]),
        organization_features=sorted(chosen.get("o", (set(), set()))[1]),
    )


def _parameters(ctx: RequestContext, user_id: str, organization_id: str | None) -> dict[str, Any]:
    return {"instance_id": ctx.instance_id, "user_id": user_id, "organization_id": organization_id}


async def billing_claims(
    reader: Reader, ctx: RequestContext, *, user_id: str, organization_id: str | None
) -> BillingClaims:
    """The claims, read on the bare-driver read path (POST /sessions/{id}/tokens)."""
    read = reader.prepared_by_shape("billing_claims", billing_claims_statement)
    rows = await reader.fetch(read, _parameters(ctx, user_id, organization_id))
    return claims_of(rows, organization_id=organization_id)


async def billing_claims_within(
    session: AsyncSession, ctx: RequestContext, *, user_id: str, organization_id: str | None
) -> BillingClaims:
    """The claims read through `session` (tokens minted inside a write transaction)."""
    rows = (await session.execute(billing_claims_statement(), _parameters(ctx, user_id, organization_id))).all()
    return claims_of([tuple(row) for row in rows], organization_id=organization_id)
