"""Run Alembic migrations on an async engine (at start, and from tests)."""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import locum.migrations
from locum.db.planner_stats import write_planner_stats

MIGRATIONS_DIR = Path(locum.migrations.__file__).parent


def alembic_config(connection: Any) -> Config:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)
    if connection.dialect.name == "sqlite":
        write_planner_stats(connection)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)
