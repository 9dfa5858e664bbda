"""The migrations build exactly the schema the models declare.

On SQLite the check starts from an empty file; on PostgreSQL it runs against the test database,
which CI creates empty for each run and the test session migrates from scratch.
"""

import asyncio
import os
import secrets
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

import locum.db.models  # noqa: F401  (registers every table)
from locum.db.base import Base
from locum.db.engine import create_engine
from locum.db.migrate import COMPARE_OPTIONS, alembic_config, upgrade
from locum.settings import Settings
from tests.postgres import configured_database_url, create_database_beside, drop_database

MIGRATION_RACE_TIMEOUT_S = 60


async def test_upgrade_matches_models(tmp_path: Path) -> None:
    database_url = os.environ.get("LOCUM_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'migrate.db'}"
    engine = create_engine(Settings(database_url=database_url, data_dir=tmp_path))
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts=COMPARE_OPTIONS), Base.metadata)
            )
        assert differences == []
    finally:
        await engine.dispose()


@pytest.mark.skipif(not configured_database_url(), reason="PostgreSQL only: SQLite has one writer anyway")
def test_servers_starting_at_once_on_a_new_database_both_migrate_it(tmp_path: Path) -> None:
    """Several `locum serve` (or pytest-xdist workers' servers) may start together on one new
    database: the first to take the migration lock builds the schema, and the others find it built."""
    admin_url = configured_database_url()
    assert admin_url is not None
    database_url = create_database_beside(admin_url, f"locum_migrate_race_{secrets.token_hex(4)}")

    async def migrate_at_once() -> str | None:
        engines = [create_engine(Settings(database_url=database_url, data_dir=tmp_path)) for _ in range(3)]
        try:
            # Without the lock the servers deadlock or one fails; bounded so that shows as a failure.
            await asyncio.wait_for(asyncio.gather(*(upgrade(engine) for engine in engines)), MIGRATION_RACE_TIMEOUT_S)
            async with engines[0].connect() as connection:
                revision: str | None = await connection.scalar(text("SELECT version_num FROM alembic_version"))
                return revision
        finally:
            for engine in engines:
                await engine.dispose()

    try:
        revision = asyncio.run(migrate_at_once())
    finally:
        drop_database(admin_url, database_url)
    assert revision == ScriptDirectory.from_config(alembic_config(None)).get_current_head()
