"""aiosqlite connections that make one trip to their thread per statement.

aiosqlite runs every call on the connection's own thread, and SQLAlchemy's adapter makes three or
four calls a statement (open a cursor, execute, fetch the rows, close): as many trips, each waiting
for the event loop to come round to it. Under load that wait is most of a write transaction's time,
with SQLite's one write lock held all along. Here a cursor executes, fetches and closes in one trip
(its rows, description and counts kept), and opening or closing it costs none; a transaction's
BEGIN goes in the trip of its first statement (`begin_with_next_statement`), and a commit or
rollback with no transaction open (the pool's reset after every commit) costs none either.
"""

import sqlite3
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

import aiosqlite

# aiosqlite's own default: rows per fetch when a cursor is iterated.
ITER_CHUNK_SIZE = 64


class _Outcome:
    """What a finished statement left: its rows (SELECT, RETURNING), description and counts."""

    def __init__(self, cursor: sqlite3.Cursor, rows: list[Any]) -> None:
        self.rows = rows
        self.description = cursor.description
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid


def _run(connection: sqlite3.Connection, begin: str | None, sql: str, parameters: Any, many: bool) -> _Outcome:
    """On the connection's thread: the transaction's `begin`, if due, and the whole statement, with a
    cursor of its own."""
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        return _Outcome(cursor, cursor.fetchall() if cursor.description else [])
    finally:
        cursor.close()


class OneTripCursor:
    """The part of aiosqlite.Cursor that SQLAlchemy's adapter uses."""

    def __init__(self, connection: "OneTripConnection") -> None:
        self._connection = connection
        self._outcome: _Outcome | None = None
        self._rows: list[Any] = []
        self.arraysize = 1

    async def __aenter__(self) -> "OneTripCursor":
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> "OneTripCursor":
        return await self._finish(sql, [] if parameters is None else parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> "OneTripCursor":
        return await self._finish(sql, parameters, many=True)

    async def _finish(self, sql: str, parameters: Any, *, many: bool) -> "OneTripCursor":
        self._outcome = await self._connection.run(sql, parameters, many)
        self._rows = self._outcome.rows
        return self

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        count = self.arraysize if size is None else size
        taken, self._rows = self._rows[:count], self._rows[count:]
        return taken

    async def fetchall(self) -> Sequence[Any]:
        taken, self._rows = self._rows, []
        return taken

    async def close(self) -> None:
        self._rows = []

    @property
    def description(self) -> Any:
        return self._outcome.description if self._outcome is not None else None

    @property
    def rowcount(self) -> int:
        return self._outcome.rowcount if self._outcome is not None else -1

    @property
    def lastrowid(self) -> int | None:
        return self._outcome.lastrowid if self._outcome is not None else None


class OneTripConnection(aiosqlite.Connection):
    _pending_begin: str | None = None

    def cursor(self) -> OneTripCursor:  # type: ignore[override]  # no trip: opened with its statement
        return OneTripCursor(self)

    def begin_with_next_statement(self, begin: str) -> None:
        """Begin the transaction with `begin` (a BEGIN statement) in the trip of the next statement;
        it fails there if it fails (a lock not had within the busy timeout)."""
        self._pending_begin = begin

    async def run(self, sql: str, parameters: Any, many: bool) -> _Outcome:
        begin, self._pending_begin = self._pending_begin, None
        outcome: _Outcome = await self._execute(_run, self._conn, begin, sql, parameters, many)
        return outcome

    # A transaction that ran no statement never began. in_transaction reads the connection's
    # autocommit flag: no trip.

    async def commit(self) -> None:
        self._pending_begin = None
        if self._conn.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        self._pending_begin = None
        if self._conn.in_transaction:
            await super().rollback()


def connect_sqlite(database: str, **options: Any) -> OneTripConnection:
    """As aiosqlite.connect (await the result): `database` opened by sqlite3.connect with `options`,
    usable from any thread (a pool hands it to any task; aiosqlite's thread runs its statements)."""
    connection = OneTripConnection(
        lambda: sqlite3.connect(database, check_same_thread=False, **options), ITER_CHUNK_SIZE
    )
    # As SQLAlchemy does for the connections it opens itself: a pool never closed can't keep the
    # interpreter from exiting.
    connection._thread.daemon = True
    return connection
