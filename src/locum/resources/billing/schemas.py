"""Request bodies and query models of the Billing operations and of /locum/billing."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from locum.api.bodies import INT64_MAX, ClerkBody
from locum.api.pagination import PageQuery, PaginatedQuery
from locum.db.models.billing import NAME_LENGTH, SLUG_LENGTH, URL_LENGTH

PayerType = Literal["user", "org"]
Period = Literal["month", "annual"]
# Clerk's dashboard bounds: a trial of up to a year, features a plan shows.
MAX_FREE_TRIAL_DAYS = 365
MAX_PLAN_FEATURES = 100
MAX_DESCRIPTION_LENGTH = 4096
Cents = Annotated[int, Field(ge=0, le=INT64_MAX // 12)]
Slug = Annotated[str, Field(min_length=1, max_length=SLUG_LENGTH, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class PlanListQuery(PaginatedQuery):
    payer_type: PayerType | None = None


class PriceListQuery(PaginatedQuery):
    plan_id: str | None = None


class SubscriptionItemListQuery(PaginatedQuery):
    status: Literal["active", "ended", "past_due", "upcoming", "free_trial"] | None = None
    payer_type: PayerType | None = None
    plan_id: str | None = None
    include_free: bool = False
    query: Annotated[str, Field(max_length=255)] | None = None


class StatementListQuery(PaginatedQuery):
    pass


class StatementPaymentAttemptsQuery(PaginatedQuery):
    pass


class CancelSubscriptionItemQuery(BaseModel):
    end_now: bool = False


class CreateBillingPriceBody(ClerkBody):
    plan_id: Annotated[str, Field(min_length=1)]
    currency: Annotated[str, Field(min_length=1, max_length=3)] = "USD"
    amount: Cents | None
    annual_monthly_amount: Cents | None = None
    supported_billing_periods: Literal["month", "annual", "both"] | None = None


class ExtendFreeTrialBody(ClerkBody):
    model_config = ClerkBody.model_config | {"strict": False}

    extend_to: datetime


class PriceTransitionBody(ClerkBody):
    from_price_id: Annotated[str, Field(min_length=1)]
    to_price_id: Annotated[str, Field(min_length=1)]


class FeatureBody(ClerkBody):
    slug: Slug
    name: Annotated[str, Field(min_length=1, max_length=NAME_LENGTH)] | None = None
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION_LENGTH)] = ""


class CreatePlanBody(ClerkBody):
    name: Annotated[str, Field(min_length=1, max_length=NAME_LENGTH)]
    slug: Slug
    payer_type: PayerType = "user"
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION_LENGTH)] = ""
    monthly_fee: Cents = 0
    annual_monthly_fee: Cents | None = None
    free_trial_days: Annotated[int, Field(ge=1, le=MAX_FREE_TRIAL_DAYS)] | None = None
    is_default: bool = False
    publicly_visible: bool = True
    avatar_url: Annotated[str, Field(max_length=URL_LENGTH)] | None = None
    features: Annotated[list[FeatureBody | Slug], Field(max_length=MAX_PLAN_FEATURES)] = Field(default_factory=list)


class UpdatePlanBody(ClerkBody):
    name: Annotated[str, Field(min_length=1, max_length=NAME_LENGTH)] | None = None
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION_LENGTH)] | None = None
    monthly_fee: Cents | None = None
    annual_monthly_fee: Cents | None = None
    free_trial_days: Annotated[int, Field(ge=0, le=MAX_FREE_TRIAL_DAYS)] | None = None
    publicly_visible: bool | None = None
    avatar_url: Annotated[str, Field(max_length=URL_LENGTH)] | None = None
    features: Annotated[list[FeatureBody | Slug], Field(max_length=MAX_PLAN_FEATURES)] | None = None


class SubscribeBody(ClerkBody):
    payer: Annotated[str, Field(min_length=1)]
    plan_id: Annotated[str, Field(min_length=1)] | None = None
    plan: Slug | None = None
    plan_period: Period = "month"
    free_trial: bool = False
    payment_outcome: Literal["paid", "failed"] = "paid"


class LocumPlanListQuery(PageQuery):
    payer_type: PayerType | None = None
