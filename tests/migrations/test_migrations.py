"""The migrations build exactly the schema the models declare.

On SQLite the check starts from an empty file; on PostgreSQL it runs against the test database,
which CI creates empty for each run and the test session migrates from scratch.
"""

import os
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import locum.db.models  # noqa: F401  (registers every table)
from locum.db.base import Base
from locum.db.engine import create_engine
from locum.db.migrate import upgrade
from locum.settings import Settings


async def test_upgrade_matches_models(tmp_path: Path) -> None:
    database_url = os.environ.get("LOCUM_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'migrate.db'}"
    engine = create_engine(Settings(database_url=database_url, data_dir=tmp_path))
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
        assert differences == []
    finally:
        await engine.dispose()
