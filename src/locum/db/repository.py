"""The base of every group's repository: one instance's rows of one model, scoped from the start.

A repository is built from the session and the instance it acts for; `select()` is already
filtered on the instance, `scope(OtherModel)` is the condition to add for another model a query
joins or nests, `add(**values)` inserts a row of the instance, and `get_or_raise` answers the
group's own Clerk not-found error. A group's
repository subclasses it with its model and error and holds only that group's queries.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.base import Base, InstanceScoped
from locum.kit.clock import now_ms
from locum.kit.ids import new_id

Model = TypeVar("Model", bound=Base)
Lock = Callable[[Select[Any]], Select[Any]]


class InstanceRepository(ABC, Generic[Model]):
    model: ClassVar[type[Any]]
    # The kind of id (kit/ids.py) a new row of the model gets.
    id_kind: ClassVar[str]

    def __init__(self, session: AsyncSession, instance_id: str) -> None:
        self.session = session
        self.instance_id = instance_id

    def scope(self, model: type[InstanceScoped] | Any | None = None) -> ColumnElement[bool]:
        """`model.instance_id == <this instance>` (the repository's own model by default)."""
        scoped = self.model if model is None else model
        condition: ColumnElement[bool] = scoped.instance_id == self.instance_id
        return condition

    def select(self, *columns: Any) -> Select[Any]:
        """SELECT the model (or `columns` of it) of this instance."""
        return select(*(columns or (self.model,))).where(self.scope())

    def add(self, **values: Any) -> Model:
        """A new row of this instance, with a fresh id and created/updated now unless `values` say
        otherwise, added to the session."""
        at_ms = now_ms()
        row: Model = self.model(
            **{"id": new_id(self.id_kind), "instance_id": self.instance_id, "created_at": at_ms, "updated_at": at_ms}
            | values
        )
        self.session.add(row)
        return row

    @abstractmethod
    def not_found(self, id: str) -> Exception:
        """The group's Clerk error for an id this instance does not have."""

    async def get(self, id: str, *, lock: Lock | None = None) -> Model | None:
        statement = self.select().where(self.model.id == id)
        if lock is not None:
            statement = lock(statement)
        row: Model | None = await self.session.scalar(statement)
        return row

    async def get_or_raise(self, id: str, *, lock: Lock | None = None) -> Model:
        row = await self.get(id, lock=lock)
        if row is None:
            raise self.not_found(id)
        return row
