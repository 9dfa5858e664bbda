"""PostgreSQL's read path (db/reads.py): a few bare asyncpg connections, opened over the server's Unix
socket where that reaches the same server. Its own module so that only PostgreSQL imports asyncpg."""

import asyncio
import os
import re
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from locum.db.reads import CompiledRead, CompilingReader, Row
from locum.db.redaction import redact

POSTGRES_READ_CONNECTIONS = 5
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Where PostgreSQL's packages put the server's socket (libpq's and asyncpg's defaults).
UNIX_SOCKET_DIRECTORIES = ("/run/postgresql", "/var/run/postgresql", "/tmp")
# Two servers are the same one if they started at the same instant (to the microsecond).
SERVER_IDENTITY = "SELECT pg_postmaster_start_time(), current_database()"
STATEMENT_PARAMETER = re.compile(r"\$(\d+)")

T = TypeVar("T")
# One key lookup waiting for its batch: its statement's arguments, and where its rows go.
Lookup = tuple[tuple[Any, ...], "asyncio.Future[list[Row]]"]


class AsyncpgReader(CompilingReader):
    """Reads on up to POSTGRES_READ_CONNECTIONS bare asyncpg connections, one statement at a time each.

    asyncpg's Pool costs ~40 µs of CPU per read in acquire and release (a queue, a proxy, a reset,
    timeouts), as much as the query's own round trip; these connections need none of it: they run
    single statements outside any transaction and change no session state. A read takes an idle
    connection, else opens one while fewer than POSTGRES_READ_CONNECTIONS are open, else waits for
    one in turn. A connection whose statement did not end in an answer (cancelled, disconnected) is
    in an unknown state: it is dropped, and its place goes to the next read.

    Key lookups of one statement asked for in the same turn of the event loop (requests arriving
    together) share one statement and round trip (`fetch_by_key`).
    """

    def __init__(self, url: str, options: dict[str, Any], first: asyncpg.Connection, dialect: Dialect) -> None:
        super().__init__(dialect)
        self._url = url
        # asyncpg.connect's options beyond the URL: the Unix socket's directory, if reads use it.
        self._options = options
        self._idle: deque[asyncpg.Connection] = deque([first])
        # Connections open or being opened, and places handed to a waiting read to open one.
        self._places_taken = 1
        # Each waiting read's future: a connection, or None for a place to open one in.
        self._waiting: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._closed = False
        # Key lookups waiting for the next turn of the event loop, by statement.
        self._pending: dict[CompiledRead, list[Lookup]] = {}
        # Each key statement's batched form (`batched_sql`), or None where it cannot be batched.
        self._batched_sql: dict[CompiledRead, str | None] = {}
        # The batches in flight: the loop keeps only weak references to tasks.
        self._batches: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(cls, url: str, engine: AsyncEngine) -> "AsyncpgReader":
        """Connections over the server's Unix socket when the URL names it on this machine's loopback
        and the socket answers as that same server, else as the URL says.

        A key lookup over the socket costs ~10 µs less CPU here and ~7 µs less in the server (which
        shares the machine) than over loopback TCP. The socket may belong to another server (a local
        PostgreSQL beside a container's published port), so it is used only if it reports the
        engine's server; a missing socket or any refusal on it (peer authentication) means TCP.
        """
        directory = unix_socket_directory(url)
        if directory is not None:
            first = await _same_server_connection(url, directory, engine)
            if first is not None:
                return cls(url, {"host": directory}, first, engine.dialect)
        return cls(url, {}, await asyncpg.connect(url), engine.dialect)

    async def fetch(self, read: CompiledRead, values: Mapping[str, Any] | None = None) -> list[Row]:
        return await self._fetch(read.sql, read.parameters(values))

    async def fetch_by_key(self, read: CompiledRead, values: Mapping[str, Any]) -> list[Row]:
        """Joins the lookups of this statement asked for in this turn of the event loop; they run
        as one statement at the next turn.

        A round trip costs this process ~110 µs of CPU (a write, a wake-up, a read, the protocol)
        and the server ~70 µs; sixteen lookups in one statement cost ~20 and ~12 µs each.
        """
        answer: asyncio.Future[list[Row]] = asyncio.get_running_loop().create_future()
        lookups = self._pending.get(read)
        if lookups is None:
            lookups = self._pending[read] = []
            batch = asyncio.ensure_future(self._fetch_batch(read))
            self._batches.add(batch)
            batch.add_done_callback(self._batches.discard)
        lookups.append((read.parameters(values), answer))
        return await answer

    async def _fetch_batch(self, read: CompiledRead) -> None:
        lookups = self._pending.pop(read)
        try:
            if len(lookups) > 1:
                if read not in self._batched_sql:
                    self._batched_sql[read] = await self._on_connection(
                        lambda connection: batched_sql(connection, read)
                    )
                batched = self._batched_sql[read]
                if batched is not None:
                    try:
                        rows = await self._fetch(batched, batched_arguments(lookups))
                    except (asyncpg.PostgresError, asyncpg.InterfaceError):
                        pass  # A value refused (not of its column's type, say): each lookup alone below.
                    else:
                        answer_rows(lookups, rows)
                        return
            # Each alone, at once: one after another, the last would wait for every other round trip.
            alone = [
                self._answer_alone(read.sql, arguments, answer) for arguments, answer in lookups if not answer.done()
            ]
            if len(alone) == 1:
                await alone[0]
            elif alone:
                await asyncio.gather(*alone)
        except BaseException as error:
            for _, answer in lookups:
                if answer.done():
                    continue
                if isinstance(error, asyncio.CancelledError):
                    answer.cancel()
                else:
                    answer.set_exception(error)
            # The answers carry an error to their lookups; a cancellation (the loop closing) goes on.
            if not isinstance(error, Exception):
                raise

    async def _answer_alone(self, sql: str, arguments: Sequence[Any], answer: "asyncio.Future[list[Row]]") -> None:
        """One lookup's own statement; its rows or its error go to its answer."""
        try:
            found = await self._fetch(sql, arguments)
        except Exception as error:
            if not answer.done():
                answer.set_exception(error)
        else:
            if not answer.done():
                answer.set_result(found)

    async def _fetch(self, sql: str, arguments: Sequence[Any]) -> list[Row]:
        rows: list[Row] = await self._on_connection(lambda connection: connection.fetch(sql, *arguments))
        return rows

    async def _on_connection(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        connection = await self._acquire()
        try:
            result = await work(connection)
        except asyncpg.PostgresError as error:
            # The server refused the statement and answered: the connection is still in step.
            self._hand_over(connection)
            redact(error)
            raise
        except BaseException:
            connection.terminate()
            self._hand_over(None)
            raise
        self._hand_over(connection)
        return result

    async def _acquire(self) -> asyncpg.Connection:
        while self._idle:
            connection = self._idle.pop()
            if not connection.is_closed():
                return connection
            # Closed by the server while idle (a restart): its place is free again.
            self._places_taken -= 1
        if self._places_taken < POSTGRES_READ_CONNECTIONS:
            self._places_taken += 1
            return await self._connect()
        waiter: asyncio.Future[asyncpg.Connection | None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            connection = await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._hand_over(waiter.result())
            raise
        return connection if connection is not None else await self._connect()

    async def _connect(self) -> asyncpg.Connection:
        """A new connection, in a place this read holds."""
        try:
            return await asyncpg.connect(self._url, **self._options)
        except BaseException:
            self._hand_over(None)
            raise

    def _hand_over(self, connection: asyncpg.Connection | None) -> None:
        """A connection done with (or the place of one dropped, None) goes to the first waiting read."""
        if self._closed and connection is not None:
            connection.terminate()
            connection = None
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        if connection is None:
            self._places_taken -= 1
        else:
            self._idle.append(connection)

    async def close(self) -> None:
        self._closed = True
        while self._idle:
            await self._idle.pop().close()


async def batched_sql(connection: asyncpg.Connection, read: CompiledRead) -> str | None:
    """`read` for many lookups at once: its statement run for each row of its arguments' arrays
    (a lateral join, so each lookup keeps its own index path), each answer row led by the number
    of its lookup. None if a parameter is itself an array or a row (unnest would flatten it)."""
    parameters = (await connection.prepare(read.sql)).get_parameters()
    if any(parameter.kind != "scalar" for parameter in parameters):
        return None
    arrays = ["$1::int4[]"]
    arrays += (
        f'${number}::"{parameter.schema}"."{parameter.name}"[]' for number, parameter in enumerate(parameters, 2)
    )
    columns = ["number"] + [f"p{number}" for number in range(1, len(parameters) + 1)]
    # SQLAlchemy's asyncpg statements name their parameters $1, $2, … and hold no literal `$`.
    statement = STATEMENT_PARAMETER.sub(lambda match: f"lookup.p{match[1]}", read.sql)
    return (
        f"SELECT lookup.number, answer.* FROM unnest({', '.join(arrays)}) AS lookup({', '.join(columns)}) "
        f"CROSS JOIN LATERAL ({statement}) AS answer"
    )


def batched_arguments(lookups: Sequence[Lookup]) -> list[list[Any]]:
    """The lookups' numbers, then an array for each of the statement's parameters."""
    return [
        list(range(len(lookups))),
        *(list(column) for column in zip(*(arguments for arguments, _ in lookups), strict=True)),
    ]


def answer_rows(lookups: Sequence[Lookup], rows: Sequence[Row]) -> None:
    found: list[list[Row]] = [[] for _ in lookups]
    for row in rows:
        found[row[0]].append(row[1:])
    for (_, answer), answer_found in zip(lookups, found, strict=True):
        if not answer.done():
            answer.set_result(answer_found)


def unix_socket_directory(url: str) -> str | None:
    """The directory of the server's socket, if the URL names a server on the loopback by host and
    port alone (options such as sslmode are the URL's to keep) and such a socket exists."""
    parsed = make_url(url)
    if parsed.host not in LOOPBACK_HOSTS or parsed.query:
        return None
    port = parsed.port or 5432
    for directory in UNIX_SOCKET_DIRECTORIES:
        if os.path.exists(f"{directory}/.s.PGSQL.{port}"):
            return directory
    return None


async def _same_server_connection(url: str, directory: str, engine: AsyncEngine) -> asyncpg.Connection | None:
    try:
        connection = await asyncpg.connect(url, host=directory)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return None
    try:
        over_socket = tuple(await connection.fetchrow(SERVER_IDENTITY))
        async with engine.connect() as engine_connection:
            over_url = tuple((await engine_connection.exec_driver_sql(SERVER_IDENTITY)).one())
    except BaseException:
        connection.terminate()
        raise
    if over_socket != over_url:
        await connection.close()
        return None
    return connection
