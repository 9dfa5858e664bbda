"""The base of every group's repository: one instance's rows of one model, scoped from the start.

A repository is built from the session and the instance it acts for; `select()` is already
filtered on the instance, `scope(OtherModel)` is the condition to add for another model a query
joins or nests, `add(**values)` inserts a row of the instance, and `get_or_raise` answers the
group's own Clerk not-found error. A group's
repository subclasses it with its model and error and holds only that group's queries.

`insert_rows(*rows)` writes with one Core statement a table, without the ORM's unit of work (which
costs far more than the statement on a hot write path): the rows are never in the session, so
nothing else in the request may load them after.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, ClassVar, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, Select, Table, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import instance_dict, instance_state

from locum.db.base import Base, InstanceScoped
from locum.db.constraints import insert_all
from locum.kit.clock import now_ms
from locum.kit.ids import new_id

Model = TypeVar("Model", bound=Base)
Lock = Callable[[Select[Any]], Select[Any]]


@cache
def _columns(mapper: Mapper[Any]) -> tuple[tuple[str, Any], ...]:
    """(attribute key, its column's Python-side default or None) for each column of `mapper`."""
    return tuple((attribute.key, attribute.columns[0].default) for attribute in mapper.column_attrs)


def _default(default: Any) -> Any:
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg


def detached_row(model: type[Model], values: Mapping[str, Any]) -> Model:
    """A row of `model` with `values`, and each other column's Python-side default as a flush would
    give it. Built as the ORM builds a row it reads, without an attribute event a column (which cost
    twenty times the rest): for a row that is rendered and then written by Core (insert_rows, a
    repository's UPDATE), or added to a session as a new row (a flush inserts the values its dict
    holds, as outbox/events.record's events are)."""
    mapper = _mapper(model)
    row = cast(Model, mapper.class_manager.new_instance())
    state = instance_dict(row)
    for key, default in _columns(mapper):
        state[key] = values[key] if key in values else _default(default)
    return row


def column_values(row: Base) -> dict[str, Any]:
    """Every column of `row`, by name: a row with all of them set (a detached_row), read from its state
    without an attribute access each."""
    state = instance_state(row)
    values = state.dict
    return {key: values[key] for key, _ in _columns(state.mapper)}


@cache
def _mapper(model: type[Base]) -> Mapper[Any]:
    return inspect(model)


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

    async def insert_rows(self, *rows: Base) -> None:
        """INSERT the new `rows` (detached_rows of any instance-scoped models, every column set): one
        statement per table, in the order the tables first appear, so parents go before children.
        A unique-constraint violation on an identifier raises IdentifierTaken (db/constraints.py)."""
        await insert_all(self.session, self.rows_by_table(*rows))

    def rows_by_table(self, *rows: Base) -> list[tuple[Table, list[dict[str, Any]]]]:
        """The new `rows` (detached_rows) as `insert_rows` INSERTs them: each table's column values,
        the tables in the order they first appear. A row of another instance raises."""
        by_table: dict[Table, list[dict[str, Any]]] = {}
        for row in rows:
            values = column_values(row)
            if values["instance_id"] != self.instance_id:
                raise ValueError(f"a row of instance {values['instance_id']} inserted for {self.instance_id}")
            by_table.setdefault(cast(Table, instance_state(row).mapper.local_table), []).append(values)
        return list(by_table.items())

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
