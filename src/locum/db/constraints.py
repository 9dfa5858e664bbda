"""Writes that name the identifier a unique-constraint violation is about, as the request parameter
Clerk would blame.

PostgreSQL names the constraint in its message; SQLite names the columns (`table.col, table.col`).
"""

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Executable, Insert, Table, UniqueConstraint, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from locum.db.base import Base
from locum.db.models import register_all
from locum.db.redaction import redact

if TYPE_CHECKING:
    from locum.db.sqlite_driver import OneTripConnection

# Compiled INSERTs kept (one per table and engine).
MAX_COMPILED_INSERTS = 256

# table -> request parameter for each identifier-like unique constraint
IDENTIFIER_TABLES = {
    "email_addresses": "email_address",
    "phone_numbers": "phone_number",
    "web3_wallets": "web3_wallet",
}
IDENTIFIER_COLUMNS = {
    ("users", "username_normalized"): "username",
    ("users", "external_id"): "external_id",
    ("external_accounts", "provider_user_id"): "provider_user_id",
    ("organizations", "slug"): "slug",
    ("roles", "key"): "key",
    ("permissions", "key"): "key",
    ("role_sets", "key"): "key",
    ("jwt_templates", "name"): "name",
}


@cache
def _signatures() -> dict[str, str]:
    register_all()
    signatures: dict[str, str] = {}
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            if not isinstance(constraint, UniqueConstraint) or not constraint.name:
                continue
            columns = [column.name for column in constraint.columns]
            param = IDENTIFIER_TABLES.get(table.name) or next(
                (IDENTIFIER_COLUMNS[(table.name, c)] for c in columns if (table.name, c) in IDENTIFIER_COLUMNS), None
            )
            if param is None:
                continue
            signatures[str(constraint.name)] = param
            signatures[", ".join(f"{table.name}.{c}" for c in columns)] = param
    return signatures


def identifier_param_for(exc: IntegrityError) -> str | None:
    message = str(exc.orig)
    for signature, param in _signatures().items():
        if signature in message:
            return param
    return None


class IdentifierTaken(Exception):
    """A unique identifier (email, phone, username, …) is already used in the instance."""

    def __init__(self, param: str) -> None:
        super().__init__(param)
        self.param = param


@contextmanager
def _naming_identifier() -> Iterator[None]:
    """A unique-constraint violation on an identifier raised in the block becomes IdentifierTaken."""
    try:
        yield
    except IntegrityError as exc:
        param = identifier_param_for(exc)
        if param is None:
            raise
        raise IdentifierTaken(param) from exc


async def flush(session: AsyncSession) -> None:
    """Flush, naming the identifier a unique-constraint violation is about."""
    with _naming_identifier():
        await session.flush()


async def execute(session: AsyncSession, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
    """Run a Core write statement (an executemany when `parameters` is a list) on the session's
    connection, naming the identifier a unique-constraint violation is about. Not through the
    session's own execute: the ORM's handling of a statement it has nothing to do with cost more
    than the rest of it."""
    connection = await session.connection()
    with _naming_identifier():
        return await connection.execute(statement, parameters)


async def insert_all(session: AsyncSession, rows_by_table: Sequence[tuple[Table, list[dict[str, Any]]]]) -> None:
    """INSERT each table's rows (every column's value, by key), the tables in turn, on the session's
    connection, naming the identifier a unique-constraint violation is about.

    On SQLite all of them go to the connection's thread in one trip: the first takes SQLite's one
    write lock, and every further trip would hold it while waiting for the event loop to come round.
    """
    connection = await session.connection()
    with _naming_identifier():
        if connection.dialect.name == "sqlite":
            await _insert_in_one_trip(connection, rows_by_table)
            return
        for table, rows in rows_by_table:
            await connection.execute(_insert(table), rows)


@cache
def _insert(table: Table) -> Insert:
    return insert(table)


class _CompiledInsert:
    """A table's INSERT of every column, compiled once for a dialect, with each column's bind
    processor (what SQLAlchemy would make of the value: JSON text, …)."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        compiled = _insert(table).compile(dialect=dialect)
        self.sql = str(compiled)
        processors: dict[str, Callable[[Any], Any] | None] = {
            column.key: column.type.bind_processor(dialect) for column in table.columns
        }
        self._binds = tuple((name, processors[name]) for name in compiled.positiontup or ())

    def parameters(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[name] if process is None else process(row[name]) for name, process in self._binds)


@lru_cache(maxsize=MAX_COMPILED_INSERTS)
def _compiled_insert(table: Table, dialect: Dialect) -> _CompiledInsert:
    return _CompiledInsert(table, dialect)


async def _insert_in_one_trip(
    connection: AsyncConnection, rows_by_table: Sequence[tuple[Table, list[dict[str, Any]]]]
) -> None:
    """The INSERTs on the bare driver: an error is raised as SQLAlchemy raises one (redacted, wrapped
    in its DBAPIError of that kind), so what handles a failed write sees no difference."""
    statements = []
    for table, rows in rows_by_table:
        compiled = _compiled_insert(table, connection.dialect)
        statements.append((compiled.sql, [compiled.parameters(row) for row in rows], True))
    driver = cast("OneTripConnection", (await connection.get_raw_connection()).driver_connection)
    try:
        await driver.run_each(statements)
    except sqlite3.Error as error:
        redact(error)
        raise DBAPIError.instance(None, None, error, sqlite3.Error, hide_parameters=True) from error


async def commit(session: AsyncSession) -> None:
    """Commit, naming the identifier a unique-constraint violation is about."""
    with _naming_identifier():
        await session.commit()
