"""Engines and sessions for the configured database URL.

SQLite: WAL, foreign keys, a busy timeout, and `BEGIN IMMEDIATE` so that a write transaction takes
the write lock up front (two deferred transactions upgrading to writers would fail instead of wait);
each statement makes one trip to the aiosqlite connection's thread (db/sqlite_driver.py).
Read-only sessions (create_read_sessionmaker) begin deferred and never take that lock.
`sqlite:///:memory:` has one connection, which sessions take in turns (db/shared_connection.py).

A SQLite file is made readable by its owner only (0600) before SQLite opens it: SQLite gives its
-wal and -shm files the database file's mode. Errors carry no values (hide_parameters, and
db/redaction for what the driver adds): they are logged, and values are password digests, emails
and other secrets. For the same reason aiosqlite's own logger stays at INFO: at DEBUG it logs every
statement with its values (the messages table holds one-time codes and invitation links).
"""

import logging
import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from locum.db.redaction import redact_errors
from locum.db.shared_connection import TurnTakingPool
from locum.kit.sealing import PRIVATE_FILE_MODE, make_private_directory
from locum.settings import Settings

if TYPE_CHECKING:
    from locum.db.sqlite_driver import OneTripConnection

SQLITE_BUSY_TIMEOUT_MS = 30_000
POSTGRES_POOL_SIZE = 10
READ_ONLY_OPTION = "locum_read_only"
SQLITE_COMPANION_SUFFIXES = ("", "-wal", "-shm", "-journal")
AIOSQLITE_LOGGER = "aiosqlite"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_engine(settings: Settings) -> AsyncEngine:
    options: dict[str, Any] = {
        "json_serializer": _json_dumps,
        "json_deserializer": orjson.loads,
        "hide_parameters": True,
    }
    if settings.is_sqlite:
        # Imported here: a PostgreSQL start loads neither aiosqlite nor sqlite3.
        from locum.db.sqlite_driver import connect_sqlite

        # Not DEBUG whatever the root level (LOCUM_LOG_LEVEL): its DEBUG lines carry every value.
        logging.getLogger(AIOSQLITE_LOGGER).setLevel(logging.INFO)
        if settings.is_memory_database:
            options.update(poolclass=TurnTakingPool, async_creator=partial(connect_sqlite, ":memory:"))
        else:
            path = settings.effective_database_url.removeprefix("sqlite:///")
            _make_private_database_file(Path(path))
            options.update(async_creator=partial(connect_sqlite, path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000))
    else:
        options.update(pool_size=POSTGRES_POOL_SIZE, pool_pre_ping=False)
    engine = create_async_engine(settings.async_database_url, **options)
    redact_errors(engine)
    if settings.is_sqlite:
        _configure_sqlite(engine, wal=not settings.is_memory_database)
    return engine


def _make_private_database_file(path: Path) -> None:
    """The database file exists, mode 0600 (SQLite takes an empty file for a new database), and so do
    the companion files a previous locum may have left readable to others."""
    make_private_directory(path.parent)
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    for suffix in SQLITE_COMPANION_SUFFIXES:
        companion = path.with_name(path.name + suffix)
        if companion.exists() and companion.stat().st_mode & ~PRIVATE_FILE_MODE & 0o777:
            companion.chmod(PRIVATE_FILE_MODE)


def _configure_sqlite(engine: AsyncEngine, *, wal: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        driver: OneTripConnection = connection.connection.driver_connection
        driver.begin_with_next_statement(write=not read_only)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read through the ORM."""
    return create_sessionmaker(engine.execution_options(**{READ_ONLY_OPTION: True}))
