"""Directory queries: directories, their enterprise connection, and their group-role mappings."""

from collections.abc import Sequence

from sqlalchemy import or_, select

from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import Page, PageQuery, page_of
from locum.db.locking import kept
from locum.db.models import Directory, DirectoryGroupRoleMapping, EnterpriseConnection, Role
from locum.db.repository import InstanceRepository
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.resources.directories.errors import directory_not_found


class DirectoryRepository(InstanceRepository[Directory]):
    model = Directory
    id_kind = "directory"

    def not_found(self, id: str) -> Exception:
        return directory_not_found()

    async def list_page(self, page: PageQuery) -> Page[Directory]:
        """Newest first."""
        return await page_of(
            self.session,
            self.select(),
            page,
            ordering=NEWEST_FIRST,
            column=Directory.created_at,
            id_column=Directory.id,
        )

    async def connection(self, connection_id: str, *, keep: bool = False) -> EnterpriseConnection | None:
        """The instance's enterprise connection `connection_id`; `keep` holds it from deletion until
        the commit (a directory is about to reference it)."""
        statement = select(EnterpriseConnection).where(
            self.scope(EnterpriseConnection), EnterpriseConnection.id == connection_id
        )
        connection: EnterpriseConnection | None = await self.session.scalar(kept(statement) if keep else statement)
        return connection

    async def connections(self, connection_ids: Sequence[str]) -> dict[str, EnterpriseConnection]:
        """connection id -> connection, for a page of directories (one query)."""
        if not connection_ids:
            return {}
        rows = await self.session.scalars(
            select(EnterpriseConnection).where(
                self.scope(EnterpriseConnection), EnterpriseConnection.id.in_(connection_ids)
            )
        )
        return {row.id: row for row in rows}

    async def kept_roles(self, ids_or_keys: Sequence[str]) -> list[Role]:
        """The instance's roles among `ids_or_keys` (each matched by id or by key), kept from deletion
        until the commit."""
        if not ids_or_keys:
            return []
        statement = (
            select(Role)
            .where(self.scope(Role), or_(Role.id.in_(ids_or_keys), Role.key.in_(ids_or_keys)))
            .order_by(Role.id)
        )
        return list(await self.session.scalars(kept(statement)))

    def add_group_role_mapping(
        self, directory_id: str, *, group_id: str, group_display_name: str, role_id: str, precedence: int
    ) -> DirectoryGroupRoleMapping:
        at_ms = now_ms()
        mapping = DirectoryGroupRoleMapping(
            id=new_id("directory_group_role_mapping"),
            instance_id=self.instance_id,
            directory_id=directory_id,
            group_id=group_id,
            group_display_name=group_display_name,
            role_id=role_id,
            precedence=precedence,
            created_at=at_ms,
            updated_at=at_ms,
        )
        self.session.add(mapping)
        return mapping

    async def group_role_mappings(self, directory_id: str) -> list[DirectoryGroupRoleMapping]:
        """The directory's mappings by precedence."""
        rows = await self.session.scalars(
            select(DirectoryGroupRoleMapping)
            .where(self.scope(DirectoryGroupRoleMapping), DirectoryGroupRoleMapping.directory_id == directory_id)
            .order_by(DirectoryGroupRoleMapping.precedence)
        )
        return list(rows)
