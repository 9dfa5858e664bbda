"""Request bodies and query models of the Invitations operations (Clerk's shapes)."""

from typing import Literal

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText, Metadata
from locum.api.pagination import PaginatedQuery

InvitationStatus = Literal["pending", "accepted", "revoked", "expired"]
TemplateSlug = Literal["invitation", "waitlist_invitation"]
DEFAULT_EXPIRES_IN_DAYS = 30
MAX_EXPIRES_IN_DAYS = 365
# POST /invitations/bulk takes at most this many (the spec's maxItems).
MAX_BULK = 10


class CreateInvitationBody(ClerkBody):
    email_address: str
    public_metadata: Metadata | None = None
    redirect_url: LongText | None = None
    # null means the default, as the spec's `nullable: true` with a default reads.
    notify: bool | None = True
    ignore_existing: bool | None = False
    expires_in_days: int | None = Field(default=None, ge=1, le=MAX_EXPIRES_IN_DAYS)
    template_slug: TemplateSlug | None = None


class InvitationListParams(PaginatedQuery):
    status: InvitationStatus | None = None
    query: str | None = None
    order_by: str | None = None
