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
"""

from typing import Any

from sqlalchemy import Table, delete
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from locum.db.base import Base
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
    # The models register their tables on Base.metadata when imported.
    import locum.db.models  # noqa: F401

    return [table for table in Base.metadata.sorted_tables if SCOPE_COLUMN in table.c]


def data_tables() -> list[Table]:
    """The tables a reset clears, children before parents (the order their rows can be deleted in)."""
    return [table for table in reversed(instance_scoped_tables()) if table.name not in CONFIGURATION_TABLES]


async def clear_instance_data(session_or_connection: AsyncSession | AsyncConnection, instance_id: str) -> int:
    """Delete every row of the instance's data tables, in the caller's transaction (which commits it);
    returns the number of rows deleted. Other instances' rows and this one's configuration stay."""
    deleted = 0
    for table in data_tables():
        result: Any = await session_or_connection.execute(delete(table).where(table.c[SCOPE_COLUMN] == instance_id))
        deleted += max(result.rowcount or 0, 0)
    return deleted
