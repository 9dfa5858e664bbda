"""The body of AdjustUserBillingCreditBalance and AdjustOrganizationBillingCreditBalance."""

from typing import Annotated, Literal

from pydantic import Field

from locum.api.bodies import INT64_MAX, ClerkBody
from locum.db.models.billing_credits import IDEMPOTENCY_KEY_LENGTH, NOTE_LENGTH


class AdjustCreditBalanceBody(ClerkBody):
    # Cents, greater than zero; the action says which way.
    amount: Annotated[int, Field(ge=1, le=INT64_MAX)]
    action: Literal["increase", "decrease"]
    idempotency_key: Annotated[str, Field(min_length=1, max_length=IDEMPOTENCY_KEY_LENGTH)]
    currency: Annotated[str, Field(min_length=1, max_length=16)] | None = None
    note: Annotated[str, Field(max_length=NOTE_LENGTH)] | None = None
