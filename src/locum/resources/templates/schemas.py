"""Request bodies of the Email & SMS Templates operations (all optional, as the spec declares them;
what the template type allows is checked by the service). The list takes a PaginatedQuery."""

from typing import Annotated

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText

NAME_MAX_LENGTH = 255
# The local part of an email address, as Clerk's from/reply-to names are.
LOCAL_PART_MAX_LENGTH = 64

LocalPart = Annotated[str, Field(max_length=LOCAL_PART_MAX_LENGTH)]


class UpsertTemplateBody(ClerkBody):
    name: Annotated[str, Field(min_length=1, max_length=NAME_MAX_LENGTH)] | None = None
    subject: LongText | None = None
    markup: LongText | None = None
    body: LongText | None = None
    delivered_by_clerk: bool | None = None
    from_email_name: LocalPart | None = None
    reply_to_email_name: LocalPart | None = None


class PreviewTemplateBody(ClerkBody):
    subject: LongText | None = None
    body: LongText | None = None
    from_email_name: LocalPart | None = None
    reply_to_email_name: LocalPart | None = None


class ToggleTemplateDeliveryBody(ClerkBody):
    delivered_by_clerk: bool
