"""Run Alembic migrations on an async engine (at start, and from tests).

Revisions that seal existing plaintext secrets find the master key's sealer in the Alembic config's
attributes (`sealer`): a database holding such rows can only be upgraded through `upgrade` here.

A start on a database at the head (a restart) reads the heads from the scripts' revision lines and
the database's from its version table: it imports no Alembic, whose import would cost a restart more
than the rest of its migration step.
"""

import ast
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

import locum.migrations
from locum.db.planner_stats import write_planner_stats
from locum.db.row_counts import is_row_counts
from locum.db.text_search import is_search_structure
from locum.kit.sealing import Sealer

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(locum.migrations.__file__).parent
HEAD = "head"
# Alembic's default, which env.py keeps.
VERSION_TABLE = "alembic_version"
# In a script: `revision: str = '0002'`, `down_revision: … = '0001'` (None, or a tuple for a merge).
_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+)$", re.MULTILINE)


def _compared(name: str | None, _type: str, _parents: dict[str, str | None]) -> bool:
    return name is None or not (is_search_structure(name) or is_row_counts(name))


# How the schema is compared with the models (`alembic check`, tests): the trigram search
# structures and the row counts are made by the migrations alone (db/text_search.py, db/row_counts.py).
COMPARE_OPTIONS: dict[str, Any] = {"compare_type": True, "include_name": _compared}


def alembic_config(connection: Any, sealer: Sealer | None = None) -> "Config":
    from alembic.config import Config

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    config.attributes["sealer"] = sealer
    return config


@functools.cache
def migration_heads() -> frozenset[str]:
    """The revisions a migrated database is at, those no script revises (read from the migration
    scripts' revision lines once, on first use; tests check them against Alembic's)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        fields = {name: ast.literal_eval(value) for name, value in _REVISION_LINE.findall(script.read_text())}
        revisions.add(fields["revision"])
        down_revision = fields["down_revision"]
        revised.update([down_revision] if isinstance(down_revision, str) else down_revision or ())
    return frozenset(revisions - revised)


def database_heads(connection: Connection) -> frozenset[str]:
    """The revisions the database is at (none before the first migration)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    return frozenset(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def is_at_head(connection: Connection) -> bool:
    return database_heads(connection) == migration_heads()


# Any constant: PostgreSQL advisory locks are named by a 64-bit integer.
MIGRATION_LOCK_KEY = 0x6C6F63756D  # "locum"


def _upgrade(connection: Connection, revision: str, sealer: Sealer | None) -> None:
    if revision == HEAD and is_at_head(connection):
        # A restart: nothing to migrate, and the planner statistics were written when it last was.
        return
    if connection.dialect.name == "postgresql":
        # Servers starting at once on a new database would race to create the schema; the lock lasts
        # until this transaction ends, and a server that waited for it finds the schema made.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    from alembic import command

    command.upgrade(alembic_config(connection, sealer), revision)
    if connection.dialect.name == "sqlite":
        write_planner_stats(connection)


async def upgrade(engine: AsyncEngine, revision: str = HEAD, *, sealer: Sealer | None = None) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision, sealer)
