"""PostgreSQL's read path (db/reads.py): a few bare asyncpg connections, opened over the server's Unix
socket where that reaches the same server. Its own module so that only PostgreSQL imports asyncpg."""

import asyncio
import os
from collections import deque
from collections.abc import Mapping
from typing import Any

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


class AsyncpgReader(CompilingReader):
    """Reads on up to POSTGRES_READ_CONNECTIONS bare asyncpg connections, one statement at a time each.

    asyncpg's Pool costs ~40 µs of CPU per read in acquire and release (a queue, a proxy, a reset,
    timeouts), as much as the query's own round trip; these connections need none of it: they run
    single statements outside any transaction and change no session state. A read takes an idle
    connection, else opens one while fewer than POSTGRES_READ_CONNECTIONS are open, else waits for
    one in turn. A connection whose statement did not end in an answer (cancelled, disconnected) is
    in an unknown state: it is dropped, and its place goes to the next read.
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
        connection = await self._acquire()
        try:
            rows: list[Row] = await connection.fetch(read.sql, *read.parameters(values))
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
        return rows

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
