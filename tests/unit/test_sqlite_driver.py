"""SQLite statements make one trip each to the aiosqlite connection's thread, and writers queue on
the writer lock (db/sqlite_driver.py)."""

import asyncio
import fcntl
import os
import time
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from locum.db.engine import READ_ONLY_OPTION, create_engine
from locum.db.sqlite_driver import WriterLock, connect_sqlite
from locum.settings import Settings


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The functions run on aiosqlite connections' threads, in order."""
    ran: list[Any] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        ran.append(fn)
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return ran


async def test_a_transaction_makes_one_trip_a_statement_and_one_to_commit(tmp_path: Path, trips: list[Any]) -> None:
    engine = create_engine(Settings(database_url=f"sqlite:///{tmp_path / 'trips.db'}", data_dir=tmp_path))
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE things (name TEXT)")
        trips.clear()
        async with engine.begin() as connection:
            inserted = await connection.exec_driver_sql("INSERT INTO things VALUES (?), (?)", ("a", "b"))
            rows = (await connection.exec_driver_sql("SELECT name FROM things ORDER BY name")).all()
        # BEGIN with the INSERT, the SELECT with its rows, the COMMIT; the pool's reset finds no
        # transaction left to roll back.
        assert len(trips) == 3
        assert inserted.rowcount == 2 and [tuple(row) for row in rows] == [("a",), ("b",)]
        trips.clear()
        async with engine.begin():
            pass
        assert trips == []
    finally:
        await engine.dispose()


async def test_a_statement_that_changed_no_row_ends_its_trip(tmp_path: Path) -> None:
    """What follows a statement in one trip is written because of its change (an UPDATE's event)."""
    connection = connect_sqlite(str(tmp_path / "ends.db"))
    await connection
    try:
        await connection.run("CREATE TABLE things (name TEXT)", [], False)
        await connection.run("INSERT INTO things VALUES ('a')", [], False)
        insert_b = ("INSERT INTO things VALUES ('b')", [], False)
        unchanged = await connection.run_each([("UPDATE things SET name = 'c' WHERE name = 'x'", [], False), insert_b])
        changed = await connection.run_each([("UPDATE things SET name = 'c' WHERE name = 'a'", [], False), insert_b])
        assert [outcome.rowcount for outcome in unchanged] == [0]
        assert [outcome.rowcount for outcome in changed] == [1, 1]
        assert (await connection.run("SELECT name FROM things ORDER BY name", [], False)).rows == [("b",), ("c",)]
    finally:
        await connection.close()


async def test_a_failed_statement_leaves_its_transaction_to_roll_back(tmp_path: Path) -> None:
    engine = create_engine(Settings(database_url=f"sqlite:///{tmp_path / 'failed.db'}", data_dir=tmp_path))
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE things (name TEXT UNIQUE)")
        with pytest.raises(IntegrityError, match="UNIQUE"):
            async with engine.begin() as connection:
                await connection.exec_driver_sql("INSERT INTO things VALUES ('a')")
                await connection.exec_driver_sql("INSERT INTO things VALUES ('a')")
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("SELECT count(*) FROM things")).scalar() == 0
    finally:
        await engine.dispose()


def _writer_lock_free(database: Path) -> bool:
    """Whether another process could take the writers' lock now (then gives it back)."""
    descriptor = os.open(f"{database}{WriterLock.SUFFIX}", os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True


async def test_a_write_transaction_holds_the_writer_lock_until_it_ends(tmp_path: Path) -> None:
    database = tmp_path / "writers.db"
    engine = create_engine(Settings(database_url=f"sqlite:///{database}", data_dir=tmp_path))
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE things (name TEXT UNIQUE)")
        assert _writer_lock_free(database)
        async with engine.begin() as connection:
            await connection.exec_driver_sql("INSERT INTO things VALUES ('a')")
            assert not _writer_lock_free(database)
        assert _writer_lock_free(database)
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.exec_driver_sql("INSERT INTO things VALUES ('a')")
        assert _writer_lock_free(database)
        async with engine.connect() as connection:
            reader = await connection.execution_options(**{READ_ONLY_OPTION: True})
            await reader.exec_driver_sql("SELECT 1")
            assert _writer_lock_free(database)
    finally:
        await engine.dispose()


async def test_a_connection_dropped_in_a_write_transaction_lets_the_next_writer_in(tmp_path: Path) -> None:
    database = tmp_path / "dropped.db"
    engine = create_engine(Settings(database_url=f"sqlite:///{database}", data_dir=tmp_path))
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE things (name TEXT)")
        connection = await engine.connect()
        await connection.begin()
        await connection.exec_driver_sql("INSERT INTO things VALUES ('a')")
        assert not _writer_lock_free(database)
        await connection.invalidate()
        await connection.close()
        for _ in range(100):
            if _writer_lock_free(database):
                break
            await asyncio.sleep(0.01)
        assert _writer_lock_free(database)
        async with engine.begin() as other:
            await other.exec_driver_sql("INSERT INTO things VALUES ('b')")
            assert [tuple(row) for row in await other.exec_driver_sql("SELECT name FROM things")] == [("b",)]
    finally:
        await engine.dispose()


def test_a_writer_waits_for_the_writer_lock_no_longer_than_the_busy_timeout(tmp_path: Path) -> None:
    database = tmp_path / "held.db"
    lock = WriterLock(str(database), timeout_seconds=0.2)
    holder = os.open(f"{database}{WriterLock.SUFFIX}", os.O_RDWR)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        started = time.monotonic()
        lock.acquire()
        assert not lock.held
        assert 0.2 <= time.monotonic() - started < 2
        fcntl.flock(holder, fcntl.LOCK_UN)
        lock.acquire()
        assert lock.held
    finally:
        os.close(holder)
        lock.close()


# users as locum has them on SQLite, in little: a row-count trigger with an upsert and a trigram
# index kept by a trigger (migrations; db/text_search.py).
SEARCHED_USERS_SCHEMA = (
    "CREATE TABLE users (id TEXT PRIMARY KEY, instance_id TEXT NOT NULL)",
    "CREATE TABLE row_counts (instance_id TEXT, table_name TEXT, row_count INTEGER,"
    " PRIMARY KEY (instance_id, table_name))",
    "CREATE TRIGGER users_counted_insert AFTER INSERT ON users BEGIN INSERT INTO row_counts"
    " VALUES (new.instance_id, 'users', 1) ON CONFLICT (instance_id, table_name)"
    " DO UPDATE SET row_count = row_count + 1; END",
    "CREATE VIRTUAL TABLE users_search USING fts5(id, content='', tokenize='trigram')",
    "CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN"
    " INSERT INTO users_search (rowid, id) VALUES (new.rowid, new.id); END",
)
INSERT_USER = "INSERT INTO users VALUES (?, 'ins_1')"


async def _rebuild_users_search_trigger(connection: Any) -> None:
    """What a Clerk import does to the table's schema (db/text_search.trigram_indexing_after)."""
    async with connection.begin():
        await connection.exec_driver_sql("DROP TRIGGER users_search_insert")
        await connection.exec_driver_sql(SEARCHED_USERS_SCHEMA[-1])


@pytest.mark.parametrize("many", [False, True], ids=["execute", "executemany"])
async def test_an_insert_after_another_connections_schema_changes_finds_its_table(tmp_path: Path, many: bool) -> None:
    # SQLite 3.40 fails the first statement prepared after this sequence with "no such table: users"
    # (the next one succeeds): POST /v1/users after two Clerk imports in a row.
    engine = create_engine(Settings(database_url=f"sqlite:///{tmp_path / 'schema.db'}", data_dir=tmp_path))
    try:
        async with engine.connect() as importer, engine.connect() as writer:
            async with importer.begin():
                for statement in SEARCHED_USERS_SCHEMA:
                    await importer.exec_driver_sql(statement)
            async with writer.begin():
                await writer.exec_driver_sql(INSERT_USER, ("user_1",))
            await _rebuild_users_search_trigger(importer)
            await writer.exec_driver_sql("SELECT count(*) FROM row_counts")
            await writer.commit()
            await _rebuild_users_search_trigger(importer)
            async with writer.begin():
                if many:
                    await writer.exec_driver_sql(INSERT_USER, [("user_2",), ("user_3",)])
                else:
                    await writer.exec_driver_sql(INSERT_USER, ("user_2",))
            counted = (await writer.exec_driver_sql("SELECT row_count FROM row_counts")).scalar_one()
            assert counted == (3 if many else 2)
    finally:
        await engine.dispose()


async def test_a_table_really_missing_still_fails(tmp_path: Path) -> None:
    engine = create_engine(Settings(database_url=f"sqlite:///{tmp_path / 'missing.db'}", data_dir=tmp_path))
    try:
        with pytest.raises(OperationalError, match="no such table: nowhere"):
            async with engine.begin() as connection:
                await connection.exec_driver_sql("INSERT INTO nowhere VALUES (1)")
    finally:
        await engine.dispose()
