"""Domain queries: the instance's domains, its primary one first; the primary's row made on demand."""

from typing import Any, cast

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite

from locum.db.models import Domain
from locum.db.repository import InstanceRepository
from locum.resources.domains.errors import domain_not_found


class DomainRepository(InstanceRepository[Domain]):
    model = Domain
    id_kind = "domain"

    def not_found(self, id: str) -> Exception:
        return domain_not_found()

    async def list_all(self) -> list[Domain]:
        """The primary domain (if stored) first, then the satellites in the order they were added."""
        statement = self.select().order_by(Domain.is_satellite, Domain.created_at, Domain.id)
        return list(await self.session.scalars(statement))

    async def add_unless_exists(self, **values: Any) -> None:
        """INSERT … ON CONFLICT DO NOTHING: concurrent requests may each make the same row."""
        # SQLAlchemy types a model's __table__ as any FromClause; each of locum's models maps a Table.
        table = cast(Table, Domain.__table__)
        row = {"instance_id": self.instance_id, **values}
        statement: Insert
        if self.session.get_bind().dialect.name == "postgresql":
            statement = postgresql.insert(table).values(row).on_conflict_do_nothing()
        else:
            statement = sqlite.insert(table).values(row).on_conflict_do_nothing()
        await self.session.execute(statement)
