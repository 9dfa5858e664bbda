"""Writes that name the identifier a unique-constraint violation is about, as the request parameter
Clerk would blame.

PostgreSQL names the constraint in its message; SQLite names the columns (`table.col, table.col`).
"""

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Insert, Table, UniqueConstraint, Update, insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from locum.db.base import Base
from locum.db.models import register_all
from locum.db.redaction import redact

if TYPE_CHECKING:
    from locum.db.sqlite_driver import OneTripConnection, Outcome

# Compiled statements kept (an INSERT per table and engine, an UPDATE per set of columns).
MAX_COMPILED_STATEMENTS = 256

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


RowsByTable = Sequence[tuple[Table, list[dict[str, Any]]]]


async def update_rows(
    session: AsyncSession, statement: Update, parameters: dict[str, Any], then_insert: RowsByTable = ()
) -> int:
    """Run the UPDATE `statement` with `parameters` (its SET columns are the keys that are not its
    own bind parameters') on the session's connection and, if it changed a row, INSERT
    `then_insert`'s rows as `insert_all` does (a change's event), naming the identifier a
    unique-constraint violation is about: how many rows it changed. Not through the session's own
    execute: the ORM's handling of a statement it has nothing to do with cost more than the rest of
    it. On SQLite the UPDATE, compiled once per set of columns, and the INSERTs go to the driver in
    one trip (which ends at an UPDATE that changed nothing: db/sqlite_driver._run_each)."""
    connection = await session.connection()
    with _naming_identifier():
        if connection.dialect.name == "sqlite":
            compiled = _compiled_update(statement, connection.dialect, frozenset(parameters))
            update_statement = (compiled.sql, compiled.parameters(parameters), False)
            outcomes = await _run_in_one_trip(
                connection, [update_statement, *_insert_statements(connection, then_insert)]
            )
            return int(outcomes[0].rowcount)
        changed = int((await connection.execute(statement, parameters)).rowcount)
        if changed:
            await _insert_each(connection, then_insert)
        return changed


async def insert_all(session: AsyncSession, rows_by_table: RowsByTable) -> None:
    """INSERT each table's rows (every column's value, by key), the tables in turn, on the session's
    connection, naming the identifier a unique-constraint violation is about.

    On SQLite all of them go to the connection's thread in one trip: the first takes SQLite's one
    write lock, and every further trip would hold it while waiting for the event loop to come round.
    """
    connection = await session.connection()
    with _naming_identifier():
        if connection.dialect.name == "sqlite":
            await _run_in_one_trip(connection, _insert_statements(connection, rows_by_table))
            return
        await _insert_each(connection, rows_by_table)


async def _insert_each(connection: AsyncConnection, rows_by_table: RowsByTable) -> None:
    for table, rows in rows_by_table:
        await connection.execute(_insert(table), rows)


@cache
def _insert(table: Table) -> Insert:
    return insert(table)


class _Compiled:
    """A write statement compiled once for a dialect, with each bind parameter's processor (what
    SQLAlchemy would make of the value: JSON text, …)."""

    def __init__(self, statement: Insert | Update, dialect: Dialect, column_keys: Sequence[str] | None = None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        self.sql = str(compiled)
        self._binds = tuple(
            (name, compiled.binds[name].type.bind_processor(dialect)) for name in compiled.positiontup or ()
        )

    def parameters(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values[name] if process is None else process(values[name]) for name, process in self._binds)


@lru_cache(maxsize=MAX_COMPILED_STATEMENTS)
def _compiled_insert(table: Table, dialect: Dialect) -> _Compiled:
    """The table's INSERT of every column."""
    return _Compiled(_insert(table), dialect)


@lru_cache(maxsize=MAX_COMPILED_STATEMENTS)
def _compiled_update(statement: Update, dialect: Dialect, column_keys: frozenset[str]) -> _Compiled:
    return _Compiled(statement, dialect, sorted(column_keys))


def _insert_statements(connection: AsyncConnection, rows_by_table: RowsByTable) -> list[tuple[str, Any, bool]]:
    """Each table's INSERT of its rows, for the bare driver (`_run_in_one_trip`)."""
    statements = []
    for table, rows in rows_by_table:
        compiled = _compiled_insert(table, connection.dialect)
        statements.append((compiled.sql, [compiled.parameters(row) for row in rows], True))
    return statements


async def _run_in_one_trip(connection: AsyncConnection, statements: list[tuple[str, Any, bool]]) -> "list[Outcome]":
    """`statements` on the bare driver: an error is raised as SQLAlchemy raises one (redacted,
    wrapped in its DBAPIError of that kind), so what handles a failed write sees no difference.
    The driver is read from the connection the session's transaction has checked out, without
    AsyncConnection.get_raw_connection's greenlet (which costs more than a statement's parameters)."""
    checked_out = cast(Connection, connection.sync_connection)
    driver = cast("OneTripConnection", checked_out.connection.driver_connection)
    try:
        return await driver.run_each(statements)
    except sqlite3.Error as error:
        redact(error)
        raise DBAPIError.instance(None, None, error, sqlite3.Error, hide_parameters=True) from error


async def commit(session: AsyncSession) -> None:
    """Commit, naming the identifier a unique-constraint violation is about."""
    with _naming_identifier():
        await session.commit()
