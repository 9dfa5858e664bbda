"""SQLite statements make one trip each to the aiosqlite connection's thread (db/sqlite_driver.py)."""

from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy.exc import IntegrityError

from locum.db.engine import create_engine
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
