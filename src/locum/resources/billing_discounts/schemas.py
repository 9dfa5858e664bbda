"""The body of ApplyBillingSubscriptionItemDiscount, and of locum's own discount definitions."""

from typing import Annotated, Literal

from pydantic import Field

from locum.api.bodies import INT32_MAX, INT64_MAX, ClerkBody
from locum.api.pagination import PageQuery
from locum.db.models.billing_credits import NAME_LENGTH

ID_MAX_LENGTH = 255


class ApplyDiscountBody(ClerkBody):
    discount_id: Annotated[str, Field(min_length=1, max_length=ID_MAX_LENGTH)]


class CreateDiscountBody(ClerkBody):
    """A discount as Clerk's dashboard defines one: a percentage or a fixed amount (cents) off, for
    `cycles` billing cycles (null: for as long as it stays applied)."""

    name: Annotated[str, Field(min_length=1, max_length=NAME_LENGTH)]
    effect: Literal["percentage", "fixed_amount"]
    # Pydantic's strict mode takes an int for a float field.
    percent_off: Annotated[float, Field(gt=0, le=100)] | None = None
    amount_off: Annotated[int, Field(ge=1, le=INT64_MAX)] | None = None
    cycles: Annotated[int, Field(ge=1, le=INT32_MAX)] | None = None
    currency: Annotated[str, Field(min_length=1, max_length=16)] | None = None


class DiscountListQuery(PageQuery):
    pass
