"""Client queries: one instance's clients, newest first."""

from locum.api.errors import not_found
from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import PaginatedQuery, page_if_asked
from locum.db.models import Client
from locum.db.repository import InstanceRepository


class ClientRepository(InstanceRepository[Client]):
    model = Client
    id_kind = "client"

    def not_found(self, id: str) -> Exception:
        return not_found("client")

    async def listed(self, query: PaginatedQuery) -> tuple[list[Client], int | None]:
        """The page, newest first (as Clerk lists them), and the total count when `paginated` asked for it."""
        return await page_if_asked(
            self.session, self.select(), query, ordering=NEWEST_FIRST, column=Client.created_at, id_column=Client.id
        )
