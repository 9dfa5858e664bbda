"""Redirect URL queries."""

from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import PaginatedQuery, page_if_asked
from locum.db.models import RedirectUrl
from locum.db.repository import InstanceRepository
from locum.resources.redirect_urls.errors import redirect_url_not_found


class RedirectUrlRepository(InstanceRepository[RedirectUrl]):
    model = RedirectUrl
    id_kind = "redirect_url"

    def not_found(self, id: str) -> Exception:
        return redirect_url_not_found()

    async def list_page(self, page: PaginatedQuery) -> tuple[list[RedirectUrl], int | None]:
        """The page, newest first, and the total count when `paginated` asked for it."""
        return await page_if_asked(
            self.session,
            self.select(),
            page,
            ordering=NEWEST_FIRST,
            column=RedirectUrl.created_at,
            id_column=RedirectUrl.id,
        )
