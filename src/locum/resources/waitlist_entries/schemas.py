"""Request bodies and query models of the Waitlist Entries operations (Clerk's shapes)."""

from typing import Literal

from locum.api.bodies import ClerkBody
from locum.api.pagination import PageQuery

WaitlistStatus = Literal["pending", "invited", "completed", "rejected"]
# POST /waitlist_entries/bulk takes at most this many (the spec's maxItems).
MAX_BULK = 50


class CreateWaitlistEntryBody(ClerkBody):
    email_address: str
    # null means the default, as the spec's `nullable: true` with a default reads.
    notify: bool | None = True


class InviteWaitlistEntryBody(ClerkBody):
    ignore_existing: bool | None = False


class WaitlistEntryListParams(PageQuery):
    query: str | None = None
    status: WaitlistStatus | None = None
    order_by: str | None = None
