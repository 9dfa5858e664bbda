"""Start-up finds whether the database is at the migrations' head without Alembic (db/migrate.py):
its reading of the scripts and of the version table agrees with Alembic's."""

import os
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from locum.db.engine import create_engine
from locum.db.migrate import alembic_config, database_heads, is_at_head, migration_heads, upgrade
from locum.settings import Settings


def test_the_heads_read_from_the_scripts_are_alembics() -> None:
    assert migration_heads() == frozenset(ScriptDirectory.from_config(alembic_config(None)).get_heads())


def _heads(connection: Connection) -> tuple[frozenset[str], frozenset[str], bool]:
    alembic_heads = frozenset(MigrationContext.configure(connection).get_current_heads())
    return database_heads(connection), alembic_heads, is_at_head(connection)


async def test_the_heads_read_from_the_database_are_alembics(tmp_path: Path) -> None:
    database_url = os.environ.get("LOCUM_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'heads.db'}"
    engine = create_engine(Settings(database_url=database_url, data_dir=tmp_path))
    try:
        if "LOCUM_TEST_DATABASE_URL" not in os.environ:
            async with engine.connect() as connection:
                assert await connection.run_sync(_heads) == (frozenset(), frozenset(), False)
        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_heads) == (migration_heads(), migration_heads(), True)
    finally:
        await engine.dispose()
