"""The read path: compiled Core statements run on the bare driver, one round trip each.

SQLAlchemy's async ORM costs ~1 ms a query on these machines; hot reads (a user by id, a user list)
instead compile their statement once (or per request, for filtered lists) and hand the SQL straight
to the driver. File-backed SQLite gets its own aiosqlite connection (WAL lets it read beside the
writer), PostgreSQL a few bare asyncpg connections; `sqlite:///:memory:` can only be read
through the engine's one shared connection.
"""

import asyncio
import os
import sqlite3
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Protocol

import aiosqlite
import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from sqlalchemy import ReturnsRows
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from locum.db.engine import SQLITE_BUSY_TIMEOUT_MS
from locum.db.redaction import redact
from locum.db.scoping import check_compiled_read
from locum.settings import Settings

Row = Sequence[Any]
MAX_CACHED_SHAPES = 1024
POSTGRES_READ_CONNECTIONS = 5
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Where PostgreSQL's packages put the server's socket (libpq's and asyncpg's defaults).
UNIX_SOCKET_DIRECTORIES = ("/run/postgresql", "/var/run/postgresql", "/tmp")
# Two servers are the same one if they started at the same instant (to the microsecond).
SERVER_IDENTITY = "SELECT pg_postmaster_start_time(), current_database()"


class CompiledRead:
    """A statement compiled once for a dialect; executed with a mapping of its bind names."""

    def __init__(self, statement: ReturnsRows, dialect: Dialect) -> None:
        check_compiled_read(statement)
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        self.sql = str(compiled)
        self._names = tuple(compiled.positiontup or ())
        self._defaults = dict(compiled.params)

    def parameters(self, values: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
        merged = {**self._defaults, **(values or {})}
        return tuple(merged[name] for name in self._names)


class Reader(Protocol):
    dialect: Dialect

    def prepared(self, statement: ReturnsRows) -> CompiledRead: ...

    def prepared_by_shape(self, shape: Hashable, build: Callable[[], ReturnsRows]) -> CompiledRead: ...

    async def fetch(self, read: CompiledRead, values: Mapping[str, Any] | None = None) -> list[Row]: ...

    async def fetch_by_key(self, read: CompiledRead, values: Mapping[str, Any]) -> list[Row]:
        """`fetch` for a lookup by primary or unique key: at most one row, a bounded cost."""
        ...

    async def close(self) -> None: ...


class CompilingReader(ABC):
    dialect: Dialect

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._prepared: dict[int, tuple[ReturnsRows, CompiledRead]] = {}
        self._by_shape: dict[Hashable, CompiledRead] = {}

    def prepared(self, statement: ReturnsRows) -> CompiledRead:
        """`statement` compiled once and kept: for module-level statements with bind parameters."""
        cached = self._prepared.get(id(statement))
        if cached is None or cached[0] is not statement:
            cached = (statement, CompiledRead(statement, self.dialect))
            self._prepared[id(statement)] = cached
        return cached[1]

    @abstractmethod
    async def fetch(self, read: CompiledRead, values: Mapping[str, Any] | None = None) -> list[Row]: ...

    async def fetch_by_key(self, read: CompiledRead, values: Mapping[str, Any]) -> list[Row]:
        return await self.fetch(read, values)

    def prepared_by_shape(self, shape: Hashable, build: Callable[[], ReturnsRows]) -> CompiledRead:
        """The statement `build` makes for this shape, built and compiled once per shape.

        For queries assembled per request (list filters): the shape names what varies in the SQL
        text (which filters, how many values each), never the values themselves.
        """
        compiled = self._by_shape.get(shape)
        if compiled is None:
            if len(self._by_shape) >= MAX_CACHED_SHAPES:
                self._by_shape.clear()
            compiled = self._by_shape[shape] = CompiledRead(build(), self.dialect)
        return compiled


class EngineReader(CompilingReader):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine.dialect)
        self._engine = engine

    async def fetch(self, read: CompiledRead, values: Mapping[str, Any] | None = None) -> list[Row]:
        async with self._engine.connect() as connection:
            result = await connection.exec_driver_sql(read.sql, read.parameters(values))
            return list(result.all())

    async def close(self) -> None:
        return None


class SqliteFileReader(CompilingReader):
    """Reads on their own aiosqlite connection; key lookups on the event loop itself.

    A key lookup in WAL mode takes ~20 µs and never waits for the writer, while handing it to
    aiosqlite's thread and back costs ~60 µs more. The inline connection has no busy timeout, so
    it can never stall the loop: the rare busy answer (WAL recovery) goes the threaded way.
    """

    def __init__(self, connection: aiosqlite.Connection, inline: sqlite3.Connection, dialect: Dialect) -> None:
        super().__init__(dialect)
        self._connection = connection
        self._inline = inline

    @classmethod
    async def open(cls, path: str, dialect: Dialect) -> "SqliteFileReader":
        connection = await aiosqlite.connect(path, check_same_thread=False)
        await connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA query_only=1")
        inline = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        inline.execute("PRAGMA query_only=1")
        return cls(connection, inline, dialect)

    async def fetch_by_key(self, read: CompiledRead, values: Mapping[str, Any]) -> list[Row]:
        try:
            return self._inline.execute(read.sql, read.parameters(values)).fetchall()
        except sqlite3.OperationalError:
            return await self.fetch(read, values)

    async def fetch(self, read: CompiledRead, values: Mapping[str, Any] | None = None) -> list[Row]:
        return list(await self._connection.execute_fetchall(read.sql, read.parameters(values)))

    async def close(self) -> None:
        self._inline.close()
        await self._connection.close()


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


async def open_reader(settings: Settings, engine: AsyncEngine) -> Reader:
    if settings.is_memory_database:
        return EngineReader(engine)
    if settings.is_sqlite:
        return await SqliteFileReader.open(settings.effective_database_url.removeprefix("sqlite:///"), engine.dialect)
    return await AsyncpgReader.open(settings.effective_database_url, engine)
