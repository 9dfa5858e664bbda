"""Allow-list and block-list queries (one repository per list, the same queries on each), and the
instance's email addresses at a domain (the subaddress restriction compares against them)."""

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import PaginatedQuery, ordered, page_if_asked
from locum.db.models import AllowlistIdentifier, BlocklistIdentifier, EmailAddress
from locum.db.repository import InstanceRepository
from locum.resources.identifier_lists.errors import identifier_not_found

Listed = TypeVar("Listed", AllowlistIdentifier, BlocklistIdentifier)
LIKE_ESCAPE = "\\"


class IdentifierListRepository(InstanceRepository[Listed]):
    def not_found(self, id: str) -> Exception:
        return identifier_not_found(id)

    def _newest_first(self) -> Any:
        return ordered(self.select(), NEWEST_FIRST, self.model.created_at, self.model.id)

    async def list_page(self, page: PaginatedQuery) -> tuple[list[Listed], int | None]:
        """The page, newest first, and the total count when `paginated` asked for it."""
        return await page_if_asked(
            self.session,
            self.select(),
            page,
            ordering=NEWEST_FIRST,
            column=self.model.created_at,
            id_column=self.model.id,
        )

    async def list_all(self) -> list[Listed]:
        return list(await self.session.scalars(self._newest_first()))

    async def listed(self, identifiers: Iterable[str]) -> set[str]:
        """Which of `identifiers` are on the list."""
        statement = self.select(self.model.identifier).where(self.model.identifier.in_(set(identifiers)))
        return set(await self.session.scalars(statement))

    async def delete(self, identifier_id: str) -> bool:
        """Delete the identifier in one statement; False when the instance has none with this id."""
        result = await self.session.execute(delete(self.model).where(self.scope(), self.model.id == identifier_id))
        return bool(getattr(result, "rowcount", 0))


class AllowlistRepository(IdentifierListRepository[AllowlistIdentifier]):
    model = AllowlistIdentifier
    id_kind = "allowlist_identifier"


class BlocklistRepository(IdentifierListRepository[BlocklistIdentifier]):
    model = BlocklistIdentifier
    id_kind = "blocklist_identifier"


def _like_literal(text: str) -> str:
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


async def email_addresses_at(session: AsyncSession, *, instance_id: str, domain: str) -> list[str]:
    """The instance's email addresses (lowercase) at exactly `domain`."""
    statement = select(EmailAddress.email_address_normalized).where(
        EmailAddress.instance_id == instance_id,
        EmailAddress.email_address_normalized.like(f"%@{_like_literal(domain)}", escape=LIKE_ESCAPE),
    )
    return list(await session.scalars(statement))
