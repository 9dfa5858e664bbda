"""Machine queries: machines, the scopes between them and their secret keys.

A machine has one current secret key (`expires_at` null) and any number of rotated-out ones that
keep working until their `expires_at`; the registry (instances/registry.py) resolves a key to its
machine by digest. Scopes and keys go with their machine: the tables' foreign keys cascade.
"""

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update

from locum.api.errors import ClerkError
from locum.api.ordering import Ordering
from locum.api.pagination import Page, PageQuery, counting, page_of
from locum.db.locking import kept
from locum.db.models import Machine, MachineScope, MachineSecretKey
from locum.db.repository import InstanceRepository
from locum.db.text_search import contains
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.kit.keys import secret_digest
from locum.kit.sealing import Sealer
from locum.resources.machines.errors import machine_not_found

ORDER_COLUMNS: dict[str, Any] = {"created_at": Machine.created_at, "name": Machine.name}


class MachineRepository(InstanceRepository[Machine]):
    model = Machine
    id_kind = "machine"

    def not_found(self, id: str) -> ClerkError:
        return machine_not_found()

    async def list_page(self, page: PageQuery, *, query: str | None, ordering: Ordering) -> Page[Machine]:
        statement = self.select()
        if query:
            statement = statement.where(or_(Machine.id == query, contains(Machine.name, query)))
        return await page_of(
            self.session, statement, page, ordering=ordering, column=ORDER_COLUMNS[ordering.field], id_column=Machine.id
        )

    async def kept_by_id(self, ids: Sequence[str]) -> dict[str, Machine]:
        """The machines of `ids` this instance has, each kept from deletion until the commit."""
        rows = await self.session.scalars(kept(self.select().where(Machine.id.in_(ids)).order_by(Machine.id)))
        return {row.id: row for row in rows}

    async def scoped_machines(self, machine_ids: Sequence[str]) -> dict[str, list[Machine]]:
        """machine id -> the machines it may talk to, in the order the scopes were made."""
        statement = (
            select(MachineScope.from_machine_id, Machine)
            .join(
                Machine, (Machine.instance_id == MachineScope.instance_id) & (Machine.id == MachineScope.to_machine_id)
            )
            .where(self.scope(MachineScope), MachineScope.from_machine_id.in_(machine_ids))
            .order_by(MachineScope.created_at, MachineScope.to_machine_id)
        )
        scoped: dict[str, list[Machine]] = {machine_id: [] for machine_id in machine_ids}
        for from_machine_id, machine in await self.session.execute(statement):
            scoped[from_machine_id].append(machine)
        return scoped

    async def scope_ids(self, machine_id: str) -> list[str]:
        """The ids of the machines `machine_id` may talk to, in the order the scopes were made."""
        rows = await self.session.scalars(
            select(MachineScope.to_machine_id)
            .where(self.scope(MachineScope), MachineScope.from_machine_id == machine_id)
            .order_by(MachineScope.created_at, MachineScope.to_machine_id)
        )
        return list(rows)

    async def scope_count(self, machine_id: str) -> int:
        count = await self.session.scalar(
            counting(MachineScope).where(self.scope(MachineScope), MachineScope.from_machine_id == machine_id)
        )
        return int(count or 0)

    def add_scope(self, from_machine_id: str, to_machine_id: str) -> MachineScope:
        scope = MachineScope(
            instance_id=self.instance_id,
            from_machine_id=from_machine_id,
            to_machine_id=to_machine_id,
            created_at=now_ms(),
        )
        self.session.add(scope)
        return scope

    async def delete_scope(self, from_machine_id: str, to_machine_id: str) -> bool:
        """Whether there was such a scope."""
        result = await self.session.execute(
            delete(MachineScope).where(
                self.scope(MachineScope),
                MachineScope.from_machine_id == from_machine_id,
                MachineScope.to_machine_id == to_machine_id,
            )
        )
        # A DELETE's result is a CursorResult, with a rowcount; execute() is typed for any statement.
        return cast(CursorResult[Any], result).rowcount > 0

    def add_secret_key(self, machine_id: str, secret: str, sealer: Sealer) -> MachineSecretKey:
        """`secret` as the machine's current key (digest for look-up, sealed to be shown again)."""
        key = MachineSecretKey(
            id=new_id("machine_secret_key"),
            instance_id=self.instance_id,
            machine_id=machine_id,
            secret_digest=secret_digest(secret),
            sealed_secret=sealer.seal(secret),
            expires_at=None,
            created_at=now_ms(),
        )
        self.session.add(key)
        return key

    async def current_sealed_key(self, machine_id: str) -> bytes | None:
        sealed: bytes | None = await self.session.scalar(
            select(MachineSecretKey.sealed_secret).where(
                self.scope(MachineSecretKey),
                MachineSecretKey.machine_id == machine_id,
                MachineSecretKey.expires_at.is_(None),
            )
        )
        return sealed

    async def retire_current_key(self, machine_id: str, *, expires_at: int, now: int) -> None:
        """The current key keeps working until `expires_at`; keys already past theirs are dropped."""
        await self.session.execute(
            delete(MachineSecretKey).where(
                self.scope(MachineSecretKey),
                MachineSecretKey.machine_id == machine_id,
                MachineSecretKey.expires_at <= now,
            )
        )
        await self.session.execute(
            update(MachineSecretKey)
            .where(
                self.scope(MachineSecretKey),
                MachineSecretKey.machine_id == machine_id,
                MachineSecretKey.expires_at.is_(None),
            )
            .values(expires_at=expires_at)
        )
