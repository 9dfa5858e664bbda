"""Role set queries, and the bulk changes that move organizations between role sets and their
members and pending invitations between roles (role set migrations)."""

from collections.abc import Mapping

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import selectinload

from locum.db.locking import locked
from locum.db.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
    OrganizationSettings,
    RoleSet,
)
from locum.kit.clock import now_ms
from locum.resources.organization_roles.repository import KeyedRepository
from locum.resources.role_sets.errors import role_set_not_found


class RoleSetRepository(KeyedRepository[RoleSet]):
    """Role sets are read with their roles, which their JSON lists."""

    model = RoleSet
    id_kind = "role_set"
    listed_with = (selectinload(RoleSet.roles),)

    def not_found(self, id: str) -> Exception:
        return role_set_not_found()

    async def _one(self, condition: ColumnElement[bool]) -> RoleSet | None:
        return await self.session.scalar(self.select().where(condition).options(*self.listed_with))

    async def get_by_key_or_id(self, key_or_id: str) -> RoleSet:
        """A role set by key or id (Clerk accepts both)."""
        role_set = await self._one(or_(RoleSet.id == key_or_id, RoleSet.key == key_or_id))
        if role_set is None:
            raise self.not_found(key_or_id)
        return role_set

    async def get_by_key(self, key: str) -> RoleSet | None:
        return await self._one(RoleSet.key == key)

    async def get_initial(self, settings: OrganizationSettings) -> RoleSet:
        key = settings.initial_role_set_key
        role_set = None if key is None else await self.get_by_key(key)
        if role_set is None:
            raise self.not_found(key or "")
        return role_set

    async def other_initial(self, role_set: RoleSet) -> RoleSet | None:
        """The initial set, unless it is `role_set`."""
        return await self.session.scalar(self.select().where(RoleSet.type == "initial", RoleSet.id != role_set.id))

    async def has_creator_role(self, role_id: str) -> bool:
        """Whether some role set makes `role_id` its creator role."""
        statement = self.select(RoleSet.id).where(RoleSet.creator_role_id == role_id).limit(1)
        return await self.session.scalar(statement) is not None

    # Organizations, their members and invitations, per role set

    def organizations_using(self, role_set: RoleSet) -> Select[str]:
        """The ids of the organizations whose roles come from `role_set` (NULL means the initial set)."""
        uses: ColumnElement[bool] = Organization.role_set_key == role_set.key
        if role_set.type == "initial":
            uses = or_(uses, Organization.role_set_key.is_(None))
        return select(Organization.id).where(self.scope(Organization), uses)

    async def members_per_role(self, role_set: RoleSet) -> dict[str, int]:
        """role id -> members holding it in the organizations using `role_set`."""
        rows = await self.session.execute(
            select(OrganizationMembership.role_id, func.count())
            .where(
                self.scope(OrganizationMembership),
                OrganizationMembership.organization_id.in_(self.organizations_using(role_set)),
            )
            .group_by(OrganizationMembership.role_id)
        )
        return {role_id: int(count) for role_id, count in rows.tuples()}

    async def held_role_ids(self, role_set: RoleSet) -> set[str]:
        """Roles that members or pending invitations hold in the organizations using `role_set`."""
        organization_ids = self.organizations_using(role_set)
        members = select(OrganizationMembership.role_id).where(
            self.scope(OrganizationMembership), OrganizationMembership.organization_id.in_(organization_ids)
        )
        invited = select(OrganizationInvitation.role_id).where(
            self.scope(OrganizationInvitation),
            OrganizationInvitation.organization_id.in_(organization_ids),
            OrganizationInvitation.status == "pending",
        )
        return set(await self.session.scalars(members.union(invited)))

    async def reassign_roles(self, role_set: RoleSet, role_ids: Mapping[str, str]) -> None:
        """Give every member and pending invitation, in the organizations using `role_set`, holding a
        role of `role_ids` the role it maps to.

        The organizations are locked first, in id order: changes of their memberships lock the
        organization before the membership (db/locking.py).
        """
        organization_ids = self.organizations_using(role_set)
        await self.session.execute(locked(organization_ids.order_by(Organization.id)))
        at_ms = now_ms()
        for source, dest in role_ids.items():
            if source == dest:
                continue
            await self.session.execute(
                update(OrganizationMembership)
                .where(
                    self.scope(OrganizationMembership),
                    OrganizationMembership.organization_id.in_(organization_ids),
                    OrganizationMembership.role_id == source,
                )
                .values(role_id=dest, updated_at=at_ms)
            )
            await self.session.execute(
                update(OrganizationInvitation)
                .where(
                    self.scope(OrganizationInvitation),
                    OrganizationInvitation.organization_id.in_(organization_ids),
                    OrganizationInvitation.status == "pending",
                    OrganizationInvitation.role_id == source,
                )
                .values(role_id=dest, updated_at=at_ms)
            )

    async def move_organizations(self, from_key: str | None, to_key: str) -> None:
        """Organizations naming their set `from_key` (None: relying on the initial set) now name `to_key`."""
        names = Organization.role_set_key.is_(None) if from_key is None else Organization.role_set_key == from_key
        await self.session.execute(
            update(Organization).where(self.scope(Organization), names).values(role_set_key=to_key)
        )
