"""Clearing an instance's data (`POST /locum/reset`, `locum reset`) while keeping its configuration.

An instance's data is what its users and apps made: users and everything hanging off them,
organizations, sessions and clients, tokens, invitations, machines, API keys, OAuth applications,
enterprise connections and directories, billing payers and subscriptions, messages, events and
webhook deliveries. Its configuration is what Clerk's dashboard holds, and a reset keeps it:
`CONFIGURATION_TABLES` below (keys, signing keys, settings, JWT and email/SMS templates, webhook
endpoints, roles and permissions, billing plans and discounts, domains, redirect URLs, allow- and
block-lists).

Every other instance-scoped table is cleared, children before parents (the metadata's foreign-key
order, reversed), with one plain `DELETE … WHERE instance_id = :id` each: no ORM unit of work, no
row loaded. A table added later is cleared unless it is named here as configuration; the tests
check that every instance-scoped table is one or the other.

Speed (a test suite resets before each test): most data tables are empty in a test suite's
instance, and a DELETE costs about a millisecond even then (the statement and its foreign-key checks
are prepared, the driver called), so one query first asks which tables hold any of the instance's
rows, and only those are cleared. On SQLite the reset's connection also runs without foreign-key
enforcement (checking each deleted user against the sixteen tables that refer to users is half of
the work, and every referring row is gone by then: no configuration table refers to a data table,
which the tests check) and with `secure_delete=FAST` (Debian builds SQLite to overwrite every freed
page, which writes the whole database again to the WAL: a development instance's deleted test
data may stay in the file's free pages, as it would on other platforms).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, CompoundSelect, Table, bindparam, delete, exists, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from locum.db.base import Base
from locum.db.models import register_all
from locum.db.scoping import SCOPE_COLUMN

# Kept by a reset: the instance's keys and what Clerk's dashboard configures.
CONFIGURATION_TABLES = frozenset(
    {
        "instance_secret_keys",
        "signing_keys",
        "instance_configurations",
        "organization_settings",
        "jwt_templates",
        "templates",
        "webhook_endpoints",
        "roles",
        "permissions",
        "role_sets",
        "billing_plans",
        "billing_prices",
        "billing_features",
        "billing_plan_features",
        "billing_discounts",
        "domains",
        "proxy_checks",
        "redirect_urls",
        "allowlist_identifiers",
        "blocklist_identifiers",
    }
)


def instance_scoped_tables() -> list[Table]:
    """Every table with an `instance_id`, parents before children."""
    register_all()
    return [table for table in Base.metadata.sorted_tables if SCOPE_COLUMN in table.c]


@cache
def data_tables() -> list[Table]:
    """The tables a reset clears, children before parents (the order their rows can be deleted in)."""
    return [table for table in reversed(instance_scoped_tables()) if table.name not in CONFIGURATION_TABLES]


@cache
def _tables_holding_rows() -> CompoundSelect[int]:
    """The positions in data_tables() of the tables with a row of the instance `:instance_id`
    (each an index lookup: every scoped table's indexes lead with its instance_id)."""
    instance_id: BindParameter[str] = bindparam("instance_id")
    return union_all(
        *(
            select(literal(position)).where(exists().where(table.c[SCOPE_COLUMN] == instance_id))
            for position, table in enumerate(data_tables())
        )
    )


async def clear_instance_data(engine: AsyncEngine, instance_id: str) -> int:
    """Delete every row of the instance's data tables, in one transaction of its own; returns the
    number of rows deleted. Other instances' rows and this one's configuration stay."""
    async with _connection_for_deleting(engine) as connection, connection.begin():
        tables = data_tables()
        holding = await connection.execute(_tables_holding_rows(), {"instance_id": instance_id})
        deleted = 0
        for position in sorted(holding.scalars()):
            table = tables[position]
            result: Any = await connection.execute(delete(table).where(table.c[SCOPE_COLUMN] == instance_id))
            deleted += max(result.rowcount or 0, 0)
        return deleted


@asynccontextmanager
async def _connection_for_deleting(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection outside any transaction; on SQLite, without foreign-key enforcement and with fast
    secure_delete until the block ends (both are per connection, and foreign_keys can change only
    outside a transaction: set through the driver, before SQLAlchemy begins one)."""
    async with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            yield connection
            return
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None, "a connection checked out of the pool has its driver's"
        async with driver.execute("PRAGMA secure_delete") as cursor:
            (secure_delete,) = await cursor.fetchone()
        await driver.execute("PRAGMA foreign_keys=OFF")
        await driver.execute("PRAGMA secure_delete=FAST")
        try:
            yield connection
        finally:
            await driver.execute(f"PRAGMA secure_delete={int(secure_delete)}")
            await driver.execute("PRAGMA foreign_keys=ON")
