"""PostgreSQL databases for the test run: LOCUM_TEST_DATABASE_URL names the run's database, and each
pytest-xdist worker, and each `locum serve` a test starts, gets a database of its own beside it."""

import asyncio
import os
from urllib.parse import urlsplit, urlunsplit

import asyncpg

TEST_DATABASE_VARIABLE = "LOCUM_TEST_DATABASE_URL"


def configured_database_url() -> str | None:
    return os.environ.get(TEST_DATABASE_VARIABLE)


def admin_execute(database_url: str, statement: str) -> None:
    """Run one statement (CREATE/DROP DATABASE) on the server of `database_url`, outside a transaction."""

    async def run() -> None:
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def database_named(database_url: str, name: str) -> str:
    return urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))


def database_name(database_url: str) -> str:
    return urlsplit(database_url).path.lstrip("/")


def create_database_beside(database_url: str, name: str) -> str:
    """A new empty database `name` on the server of `database_url` (replacing one left by a killed run)."""
    admin_execute(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_execute(database_url, f'CREATE DATABASE "{name}"')
    return database_named(database_url, name)


def drop_database(admin_url: str, database_url: str) -> None:
    admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{database_name(database_url)}" WITH (FORCE)')
