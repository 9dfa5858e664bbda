"""Queries over waitlist entries: pages in Clerk's orders, lookups by address and by invitation."""

from sqlalchemy import ColumnElement, or_

from locum.api.errors import ClerkError, not_found
from locum.api.ordering import Ordering
from locum.api.pagination import Page, PageQuery, page_of
from locum.db.locking import locked
from locum.db.models import WaitlistEntry
from locum.db.repository import InstanceRepository
from locum.db.text_search import contains

ORDER_COLUMNS = {
    "created_at": WaitlistEntry.created_at,
    "email_address": WaitlistEntry.email_address_normalized,
    "invited_at": WaitlistEntry.invited_at,
}
DEFAULT_ORDER = "-created_at"


class WaitlistEntryRepository(InstanceRepository[WaitlistEntry]):
    model = WaitlistEntry
    id_kind = "waitlist_entry"

    def not_found(self, id: str) -> ClerkError:
        return not_found("waitlist entry")

    async def page(
        self, conditions: list[ColumnElement[bool]], *, ordering: Ordering, page: PageQuery
    ) -> Page[WaitlistEntry]:
        statement = self.select().where(*conditions)
        column = ORDER_COLUMNS[ordering.field]
        return await page_of(
            self.session, statement, page, ordering=ordering, column=column, id_column=WaitlistEntry.id
        )

    @staticmethod
    def matching(text: str) -> ColumnElement[bool]:
        """Clerk's `query`: part of the email address, or the exact id."""
        return or_(contains(WaitlistEntry.email_address_normalized, text), WaitlistEntry.id == text.strip())

    async def by_email(self, email_key: str) -> WaitlistEntry | None:
        statement = self.select().where(WaitlistEntry.email_address_normalized == email_key)
        found: WaitlistEntry | None = await self.session.scalar(statement)
        return found

    async def of_invitation(self, invitation_id: str) -> WaitlistEntry | None:
        """The entry the invitation was sent for, locked for its status change."""
        statement = self.select().where(WaitlistEntry.invitation_id == invitation_id)
        found: WaitlistEntry | None = await self.session.scalar(locked(statement))
        return found
