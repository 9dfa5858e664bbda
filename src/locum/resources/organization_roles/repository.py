"""Role and permission queries; `KeyedRepository` is what roles, permissions and role sets share:
a key unique in the instance, and one way to search and page them."""

from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from locum.api.ordering import parse_order_by
from locum.api.pagination import Page, count_of, page_of
from locum.db.locking import locked_for_delete
from locum.db.models import OrganizationInvitation, OrganizationMembership, Permission, Role, RolePermission, RoleSet
from locum.db.repository import InstanceRepository
from locum.db.text_search import contains
from locum.resources.organization_roles.errors import permission_not_found, role_not_found
from locum.resources.organization_roles.schemas import KeyedListQuery

Keyed = TypeVar("Keyed", Role, Permission, RoleSet)

DEFAULT_ORDER = "-created_at"


class KeyedRepository(InstanceRepository[Keyed]):
    # Loader options for what a listed row's JSON reads.
    listed_with: ClassVar[tuple[Any, ...]] = ()

    async def key_taken(self, key: str) -> bool:
        return await self.session.scalar(self.select(self.model.id).where(self.model.key == key)) is not None

    async def count(self) -> int:
        return int(await self.session.scalar(count_of(self.select())) or 0)

    async def search(self, query: KeyedListQuery) -> Page[Keyed]:
        """Exact match on the id, partial (case-insensitive) on name and key, as Clerk documents."""
        model = self.model
        columns = {"created_at": model.created_at, "name": model.name, "key": model.key}
        ordering = parse_order_by(query.order_by, columns, DEFAULT_ORDER)
        statement = self.select().options(*self.listed_with)
        if query.query:
            text = query.query
            statement = statement.where(or_(model.id == text, contains(model.name, text), contains(model.key, text)))
        # The id breaks ties: the instance defaults are all created in the same millisecond.
        return await page_of(
            self.session, statement, query, ordering=ordering, column=columns[ordering.field], id_column=model.id
        )


class PermissionRepository(KeyedRepository[Permission]):
    model = Permission
    id_kind = "permission"

    def not_found(self, id: str) -> Exception:
        return permission_not_found()

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Permission]:
        if not ids:
            return {}
        found = await self.session.scalars(self.select().where(Permission.id.in_(ids)))
        return {permission.id: permission for permission in found}

    async def keys_of_role(self, role_id: str) -> set[str]:
        keys = await self.session.scalars(
            self.select(Permission.key)
            .join(RolePermission, RolePermission.permission_id == Permission.id)
            .where(RolePermission.role_id == role_id)
        )
        return set(keys)


class RoleRepository(KeyedRepository[Role]):
    """Roles are read with their permissions, which their JSON lists."""

    model = Role
    id_kind = "role"
    listed_with = (selectinload(Role.permissions),)

    def not_found(self, id: str) -> Exception:
        return role_not_found()

    async def get_with_permissions(self, role_id: str, *, for_delete: bool = False) -> Role:
        """`for_delete` locks the role against memberships and invitations being granted it meanwhile
        (they keep the role, see db/locking.py), so the checks before a deletion see every holder."""
        statement = self.select().where(Role.id == role_id).options(*self.listed_with)
        role = await self.session.scalar(locked_for_delete(statement) if for_delete else statement)
        if role is None:
            raise self.not_found(role_id)
        return role

    async def by_key_or_id(self, key_or_id: str) -> Role | None:
        statement = self.select().where(or_(Role.key == key_or_id, Role.id == key_or_id))
        return await self.session.scalar(statement.options(*self.listed_with))

    async def by_keys(self, keys: Sequence[str]) -> dict[str, Role]:
        found = await self.session.scalars(self.select().where(Role.key.in_(keys)))
        return {role.key: role for role in found}

    async def held_by_members(self, role_id: str) -> bool:
        return await self._any(OrganizationMembership, role_id)

    async def held_by_invitations(self, role_id: str) -> bool:
        return await self._any(OrganizationInvitation, role_id)

    async def _any(self, holder: type[OrganizationMembership] | type[OrganizationInvitation], role_id: str) -> bool:
        statement = select(holder.id).where(self.scope(holder), holder.role_id == role_id).limit(1)
        return await self.session.scalar(statement) is not None
