"""Queries over invitations: status as of a moment (expiry is computed), pages in Clerk's orders,
and the lookups that creation and acceptance lock."""

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import IntegrityError

from locum.api.errors import ClerkError, not_found
from locum.api.ordering import Ordering
from locum.api.pagination import PaginatedQuery, page_if_asked
from locum.db.locking import locked
from locum.db.models import EmailAddress, Invitation
from locum.db.repository import InstanceRepository
from locum.db.text_search import contains
from locum.resources.invitations.errors import invitation_exists
from locum.resources.invitations.serializers import EXPIRED, PENDING

ORDER_COLUMNS = {
    "created_at": Invitation.created_at,
    "email_address": Invitation.email_address_normalized,
    "expires_at": Invitation.expires_at,
}
DEFAULT_ORDER = "-created_at"
# A violation of the one-pending-invitation-per-address index: PostgreSQL names the index, SQLite its columns.
PENDING_CONFLICT_SIGNATURES = (
    "uq_invitations_pending_email",
    "invitations.instance_id, invitations.email_address_normalized",
)


def status_is(status: str, at_ms: int) -> ColumnElement[bool]:
    if status == PENDING:
        return and_(Invitation.status == PENDING, or_(Invitation.expires_at.is_(None), Invitation.expires_at > at_ms))
    if status == EXPIRED:
        return or_(Invitation.status == EXPIRED, and_(Invitation.status == PENDING, Invitation.expires_at <= at_ms))
    return Invitation.status == status


class InvitationRepository(InstanceRepository[Invitation]):
    model = Invitation
    id_kind = "invitation"

    def not_found(self, id: str) -> ClerkError:
        return not_found("invitation")

    async def flush(self) -> None:
        """Flush; a second pending invitation for one address (a concurrent creation) is duplicate_record."""
        try:
            await self.session.flush()
        except IntegrityError as exc:
            if any(signature in str(exc.orig) for signature in PENDING_CONFLICT_SIGNATURES):
                raise invitation_exists() from None
            raise

    async def page(
        self, conditions: list[ColumnElement[bool]], *, ordering: Ordering, query: PaginatedQuery
    ) -> tuple[list[Invitation], int | None]:
        statement = self.select().where(*conditions)
        column = ORDER_COLUMNS[ordering.field]
        return await page_if_asked(
            self.session, statement, query, ordering=ordering, column=column, id_column=Invitation.id
        )

    @staticmethod
    def matching(text: str) -> ColumnElement[bool]:
        """Clerk's `query`: part of the email address, or the exact id."""
        return or_(contains(Invitation.email_address_normalized, text), Invitation.id == text.strip())

    async def stored_pending_for(self, email_key: str) -> Invitation | None:
        """The address's invitation stored as pending (it may have expired since), locked for a change."""
        statement = self.select().where(Invitation.email_address_normalized == email_key, Invitation.status == PENDING)
        found: Invitation | None = await self.session.scalar(locked(statement))
        return found

    async def by_ticket(self, ticket_digest: str) -> Invitation | None:
        """The invitation whose ticket has this digest, locked for its acceptance."""
        statement = self.select().where(Invitation.ticket_digest == ticket_digest)
        found: Invitation | None = await self.session.scalar(locked(statement))
        return found

    async def user_has_email(self, email_key: str) -> bool:
        """Whether a user of the instance already owns the address."""
        statement = select(EmailAddress.id).where(
            self.scope(EmailAddress), EmailAddress.email_address_normalized == email_key
        )
        return await self.session.scalar(statement.limit(1)) is not None

    async def by_ids(self, ids: set[str]) -> dict[str, Invitation]:
        if not ids:
            return {}
        rows = await self.session.scalars(self.select().where(Invitation.id.in_(ids)))
        return {row.id: row for row in rows}
