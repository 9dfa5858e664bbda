from typing import Literal

from locum.api.pagination import PageQuery


class MessageListParams(PageQuery):
    kind: Literal["email", "sms"] | None = None
    # The recipient: an email address (any case) or a phone number.
    to: str | None = None
