"""The read path: compiled Core statements run on the bare driver, one round trip each.

SQLAlchemy's async ORM costs ~1 ms a query on these machines; hot reads (a user by id, a user list)
instead compile their statement once (or per request, for filtered lists) and hand the SQL straight
to the driver. File-backed SQLite gets its own aiosqlite connection (WAL lets it read beside the
writer), PostgreSQL a few bare asyncpg connections (db/postgres_reads.py); `sqlite:///:memory:` can
only be read through the engine's one shared connection.
"""

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import ReturnsRows
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from locum.db.engine import SQLITE_BUSY_TIMEOUT_MS
from locum.db.scoping import check_compiled_read
from locum.settings import Settings

if TYPE_CHECKING:
    import aiosqlite

Row = Sequence[Any]
MAX_CACHED_SHAPES = 1024


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
        """`fetch` for a lookup by primary or unique key: at most one row, a bounded cost (so that
        PostgreSQL's reader may run the lookups of one statement asked for together as one)."""
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

    def __init__(self, connection: "aiosqlite.Connection", inline: sqlite3.Connection, dialect: Dialect) -> None:
        super().__init__(dialect)
        self._connection = connection
        self._inline = inline

    @classmethod
    async def open(cls, path: str, dialect: Dialect) -> "SqliteFileReader":
        # Imported here: a PostgreSQL start never loads aiosqlite.
        import aiosqlite

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


async def open_reader(settings: Settings, engine: AsyncEngine) -> Reader:
    if settings.is_memory_database:
        return EngineReader(engine)
    if settings.is_sqlite:
        return await SqliteFileReader.open(settings.effective_database_url.removeprefix("sqlite:///"), engine.dialect)
    # Imported here: asyncpg is PostgreSQL's alone, and a SQLite start never loads it.
    from locum.db.postgres_reads import AsyncpgReader

    return await AsyncpgReader.open(settings.effective_database_url, engine)
