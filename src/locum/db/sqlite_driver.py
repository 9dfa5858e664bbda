"""aiosqlite connections that make one trip to their thread per statement.

aiosqlite runs every call on the connection's own thread, and SQLAlchemy's adapter makes three or
four calls a statement (open a cursor, execute, fetch the rows, close): as many trips, each waiting
for the event loop to come round to it. Under load that wait is most of a write transaction's time,
with SQLite's one write lock held all along. Here a cursor executes, fetches and closes in one trip
(its rows, description and counts kept), and opening or closing it costs none; a transaction's
BEGIN goes in the trip of its first statement (`begin_with_next_statement`), and a commit or
rollback with no transaction open (the pool's reset after every commit) costs none either.

Writers of a database file queue on a lock file beside it (`WriterLock`) before their BEGIN
IMMEDIATE: the kernel wakes the next one the moment the last commits. Left to SQLite, a writer that
finds the write lock taken sleeps in its busy handler, 1, 2, 5, … up to 100 ms between tries, so
under two workers' concurrent writes most of a write's time was spent asleep with the lock free.

A statement that fails with "no such table" is compiled and run once more. SQLite 3.40 fails the
first statement it compiles after this sequence, though the table is there: the connection inserted
into a table with an upsert trigger and an FTS5 trigger (users: its row count and trigram index),
another connection changed the schema, this one read the new schema, and another change followed (a
Clerk import rebuilds the trigram triggers in each batch: db/text_search.py). The failed compile
leaves the connection to read the schema again, and the next one succeeds
(tests/unit/test_sqlite_driver.py has the sequence). Nothing ran, so running it again is safe; a
table that is really missing fails the second time too.
"""

import asyncio
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

import aiosqlite

MEMORY_DATABASE = ":memory:"
# aiosqlite's own default: rows per fetch when a cursor is iterated.
ITER_CHUNK_SIZE = 64
# How sqlite3 words a table missing from the connection's schema when it compiles a statement.
MISSING_TABLE_ERROR = "no such table"
# sqlite3.connect's default busy timeout.
DEFAULT_TIMEOUT_SECONDS = 5.0
# A writer polling another process's hold of the writer lock pauses this long, doubling up to the most.
FIRST_POLL_PAUSE_SECONDS = 0.0001
MAX_POLL_PAUSE_SECONDS = 0.001
# One in-memory writer queue per database file (by real path) in this process.
_IN_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_IN_PROCESS_LOCKS_GUARD = threading.Lock()


class Outcome:
    """What a finished statement left: its rows (SELECT, RETURNING), description and counts."""

    def __init__(self, cursor: sqlite3.Cursor, rows: list[Any]) -> None:
        self.rows = rows
        self.description = cursor.description
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid


class WriterLock:
    """An exclusive flock on `<database>-writer`, held by one connection of any process from its
    BEGIN IMMEDIATE to the end of that transaction. (Not on the database file itself: closing any
    descriptor of it would drop SQLite's own POSIX locks of this process.)

    A process's writers first queue on one in-memory lock per database, which the kernel hands to
    the next at once; only the one at its head polls the file, pausing at most MAX_POLL_PAUSE_SECONDS
    (SQLite's busy handler pauses up to 100 ms). The wait is bounded by the busy timeout: a writer
    that has not had the lock by then goes on to BEGIN IMMEDIATE, which waits and fails as it did
    without the lock, so a transaction that never ends cannot hang every other writer."""

    SUFFIX = "-writer"

    def __init__(self, database: str, timeout_seconds: float) -> None:
        self._fd = os.open(database + self.SUFFIX, os.O_RDWR | os.O_CREAT, 0o600)
        self._timeout_seconds = timeout_seconds
        with _IN_PROCESS_LOCKS_GUARD:
            self._in_process = _IN_PROCESS_LOCKS.setdefault(os.path.realpath(database), threading.Lock())
        self.held = False

    def acquire(self) -> None:
        """Wait for the lock, up to the busy timeout (blocking the calling thread: call it on the
        connection's thread)."""
        deadline = time.monotonic() + self._timeout_seconds
        if not self._in_process.acquire(timeout=self._timeout_seconds):
            return
        pause = FIRST_POLL_PAUSE_SECONDS
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._in_process.release()
                    return
                time.sleep(min(pause, remaining))
                pause = min(2 * pause, MAX_POLL_PAUSE_SECONDS)
            else:
                self.held = True
                return

    def release(self) -> None:
        if self.held:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self.held = False
            self._in_process.release()

    def close(self) -> None:
        if self._fd >= 0:
            self.release()
            os.close(self._fd)
            self._fd = -1


def _run(
    connection: sqlite3.Connection,
    begin: str | None,
    writer_lock: WriterLock | None,
    sql: str,
    parameters: Any,
    many: bool,
) -> Outcome:
    """On the connection's thread: the transaction's `begin`, if due (a writer's after taking
    `writer_lock`), and the whole statement, with a cursor of its own."""
    if begin is not None:
        if writer_lock is not None:
            writer_lock.acquire()
        try:
            connection.execute(begin)
        except BaseException:
            if writer_lock is not None:
                writer_lock.release()
            raise
    cursor = connection.cursor()
    try:
        try:
            _execute(cursor, sql, parameters, many)
        except sqlite3.OperationalError as error:
            if not str(error).startswith(MISSING_TABLE_ERROR):
                raise
            # Maybe SQLite's spurious miss after another connection's schema changes (module docstring).
            _execute(cursor, sql, parameters, many)
        return Outcome(cursor, cursor.fetchall() if cursor.description else [])
    finally:
        cursor.close()


def _execute(cursor: sqlite3.Cursor, sql: str, parameters: Any, many: bool) -> None:
    if many:
        cursor.executemany(sql, parameters)
    else:
        cursor.execute(sql, parameters)


def _run_each(
    connection: sqlite3.Connection,
    begin: str | None,
    writer_lock: WriterLock | None,
    statements: Sequence[tuple[str, Any, bool]],
) -> list[Outcome]:
    """On the connection's thread: `_run` for each of `statements` in turn, the `begin` with the first.
    A statement that changed no row (an UPDATE whose condition no longer held) ends the trip: what
    follows it in one trip is written because of its change (db/constraints.update_rows)."""
    outcomes = []
    for sql, parameters, many in statements:
        outcome = _run(connection, begin, writer_lock, sql, parameters, many)
        outcomes.append(outcome)
        if outcome.rowcount == 0:
            break
        begin, writer_lock = None, None
    return outcomes


class OneTripCursor:
    """The part of aiosqlite.Cursor that SQLAlchemy's adapter uses."""

    def __init__(self, connection: "OneTripConnection") -> None:
        self._connection = connection
        self._outcome: Outcome | None = None
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


def _end_transaction(connection: sqlite3.Connection, end: Any, writer_lock: WriterLock | None) -> None:
    """On the connection's thread: commit or roll back (`end`), then let the next writer in."""
    try:
        end()
    finally:
        if writer_lock is not None and not connection.in_transaction:
            writer_lock.release()


class OneTripConnection(aiosqlite.Connection):
    _pending_begin: str | None = None
    _pending_writer_lock: WriterLock | None = None
    # None for an in-memory database (one connection, nothing to queue with).
    writer_lock: WriterLock | None = None

    def cursor(self) -> OneTripCursor:  # type: ignore[override]  # no trip: opened with its statement
        return OneTripCursor(self)

    def begin_with_next_statement(self, *, write: bool) -> None:
        """Begin the transaction in the trip of the next statement: a writer's with BEGIN IMMEDIATE
        (SQLite's write lock, taken after the WriterLock), a reader's with a deferred BEGIN. It fails
        there if it fails (the write lock not had within the busy timeout)."""
        self._pending_begin = "BEGIN IMMEDIATE" if write else "BEGIN"
        self._pending_writer_lock = self.writer_lock if write else None

    def _take_pending_begin(self) -> tuple[str | None, WriterLock | None]:
        """The BEGIN (and writer lock) due with the next statement, now taken by it."""
        pending = self._pending_begin, self._pending_writer_lock
        self._pending_begin, self._pending_writer_lock = None, None
        return pending

    async def run(self, sql: str, parameters: Any, many: bool) -> Outcome:
        outcome: Outcome = await self._execute(_run, self._conn, *self._take_pending_begin(), sql, parameters, many)
        return outcome

    async def run_each(self, statements: Sequence[tuple[str, Any, bool]]) -> list[Outcome]:
        """Each (sql, parameters, many) of `statements` in turn, all in one trip (a failure stops
        them there and is raised, a statement that changed no row stops them after it): the
        outcomes of those that ran."""
        outcomes: list[Outcome] = await self._execute(_run_each, self._conn, *self._take_pending_begin(), statements)
        return outcomes

    # A transaction that ran no statement never began. in_transaction reads the connection's
    # autocommit flag: no trip.

    async def commit(self) -> None:
        await self._end(self._conn.commit)

    async def rollback(self) -> None:
        await self._end(self._conn.rollback)

    async def _end(self, end: Any) -> None:
        self._pending_begin, self._pending_writer_lock = None, None
        if self._conn.in_transaction:
            await self._execute(_end_transaction, self._conn, end, self.writer_lock)
        elif self.writer_lock is not None:
            # A transaction SQLite already rolled back (some errors do) still holds the lock.
            self.writer_lock.release()

    def stop(self) -> "asyncio.Future[Any] | None":
        # On the connection's thread, after what is queued there (a writer may be waiting for the
        # lock): a connection dropped in a transaction must not keep every writer out. close() and
        # SQLAlchemy's terminate both come through here.
        if self.writer_lock is not None:
            self._tx.put_nowait((None, self.writer_lock.close))
        return super().stop()


def connect_sqlite(database: str, **options: Any) -> OneTripConnection:
    """As aiosqlite.connect (await the result): `database` opened by sqlite3.connect with `options`,
    usable from any thread (a pool hands it to any task; aiosqlite's thread runs its statements)."""
    connection = OneTripConnection(
        lambda: sqlite3.connect(database, check_same_thread=False, **options), ITER_CHUNK_SIZE
    )
    if database != MEMORY_DATABASE:
        connection.writer_lock = WriterLock(database, options.get("timeout", DEFAULT_TIMEOUT_SECONDS))
    # As SQLAlchemy does for the connections it opens itself: a pool never closed can't keep the
    # interpreter from exiting.
    connection._thread.daemon = True
    return connection
