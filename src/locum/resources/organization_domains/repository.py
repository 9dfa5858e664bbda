"""Organization domain queries: the owner of a name, an organization's count, a domain locked for a
change, and pages of domains with their organizations."""

from sqlalchemy import ColumnElement

from locum.api.errors import ClerkError, not_found
from locum.api.ordering import Ordering
from locum.api.pagination import Page, PageQuery, count_of, counting, ordered, window
from locum.db.locking import locked
from locum.db.models import Organization, OrganizationDomain
from locum.db.repository import InstanceRepository

ORDER_COLUMNS = {"name": OrganizationDomain.name, "created_at": OrganizationDomain.created_at}
DEFAULT_ORDER = "-created_at"


class DomainRepository(InstanceRepository[OrganizationDomain]):
    model = OrganizationDomain
    id_kind = "organization_domain"

    def not_found(self, id: str) -> ClerkError:
        return not_found("organization domain")

    async def owner_of(self, name: str) -> str | None:
        """The id of the organization that has the domain `name`, if any (names are unique per instance)."""
        statement = self.select(OrganizationDomain.organization_id).where(OrganizationDomain.name == name)
        owner: str | None = await self.session.scalar(statement)
        return owner

    async def count(self, *, organization_id: str) -> int:
        statement = counting(OrganizationDomain).where(
            self.scope(), OrganizationDomain.organization_id == organization_id
        )
        return int(await self.session.scalar(statement) or 0)

    async def locked_in_organization_or_raise(self, domain_id: str, *, organization_id: str) -> OrganizationDomain:
        statement = self.select().where(
            OrganizationDomain.organization_id == organization_id, OrganizationDomain.id == domain_id
        )
        domain = await self.session.scalar(locked(statement))
        if domain is None:
            raise self.not_found(domain_id)
        return domain

    async def page(
        self, conditions: list[ColumnElement[bool]], *, ordering: Ordering, page: PageQuery
    ) -> Page[tuple[OrganizationDomain, Organization]]:
        """A page of the instance's domains matching `conditions`, each with its organization."""
        statement = (
            self.select(OrganizationDomain, Organization)
            .join(Organization, (Organization.id == OrganizationDomain.organization_id) & self.scope(Organization))
            .where(*conditions)
        )
        total = await self.session.scalar(count_of(statement))
        column = ORDER_COLUMNS[ordering.field]
        rows = await self.session.execute(window(ordered(statement, ordering, column, OrganizationDomain.id), page))
        items: list[tuple[OrganizationDomain, Organization]] = [(domain, organization) for domain, organization in rows]
        return Page(items, int(total or 0))
