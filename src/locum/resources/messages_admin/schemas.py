from typing import Literal

from pydantic import BaseModel, Field

from locum.api.paging import DEFAULT_LIMIT, MAX_LIMIT


class MessageListParams(BaseModel):
    kind: Literal["email", "sms"] | None = None
    # The recipient: an email address (any case) or a phone number.
    to: str | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)
