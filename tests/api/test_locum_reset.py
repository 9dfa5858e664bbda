"""POST /locum/reset: an instance's data cleared, its keys and configuration kept, other instances untouched."""

import asyncio
import secrets
from contextlib import AsyncExitStack
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from locum.db.base import Base
from locum.db.engine import READ_ONLY_OPTION
from locum.db.instance_data import CONFIGURATION_TABLES, data_tables, instance_scoped_tables
from locum.db.scoping import SCOPE_COLUMN
from locum.instances.service import InstanceKeys
from tests.api.test_instance_isolation import victim  # noqa: F401 (the fixture: one of everything)
from tests.builders import clerk_error, inspection_session, make_organization, make_plan, make_user, unique_email
from tests.conftest import api_client, new_instance

# Every instance-scoped table a reset clears. A new table must be added here or to
# instance_data.CONFIGURATION_TABLES: deciding is the point (a forgotten one would survive resets, or
# a reset would wipe configuration).
CLEARED_TABLES = {
    "actor_tokens",
    "admin_portal_link_tokens",
    "agent_tasks",
    "api_keys",
    "billing_credit_balances",
    "billing_credit_ledger_entries",
    "billing_discount_redemptions",
    "billing_payers",
    "billing_payment_attempts",
    "billing_statements",
    "billing_subscription_items",
    "billing_subscriptions",
    "clients",
    "directories",
    "directory_group_role_mappings",
    "email_addresses",
    "enterprise_accounts",
    "enterprise_connection_domains",
    "enterprise_connection_test_runs",
    "enterprise_connections",
    "events",
    "external_accounts",
    "images",
    "invitations",
    "m2m_tokens",
    "machine_scopes",
    "machine_secret_keys",
    "machines",
    "messages",
    "oauth_access_tokens",
    "oauth_applications",
    "organization_domains",
    "organization_invitations",
    "organization_memberships",
    "organizations",
    "passkeys",
    "phone_numbers",
    "saml_connections",
    "sessions",
    "sign_in_tokens",
    "sign_ups",
    "trusted_devices",
    "users",
    "verifications",
    "waitlist_entries",
    "web3_wallets",
    "webhook_attempts",
    "webhook_deliveries",
}


async def row_counts(app: FastAPI, instance_id: str) -> dict[str, int]:
    """Rows of each instance-scoped table that belong to the instance."""
    counts: dict[str, int] = {}
    async with inspection_session(app) as session:
        for table in instance_scoped_tables():
            counts[table.name] = (
                await session.scalar(
                    select(func.count()).select_from(table).where(table.c[SCOPE_COLUMN] == instance_id)
                )
                or 0
            )
    return counts


async def reset(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post("/locum/reset")


class TestInstanceDataTables:
    def test_every_instance_scoped_table_is_cleared_or_kept_as_configuration(self) -> None:
        scoped = {table.name for table in instance_scoped_tables()}
        assert {table.name for table in data_tables()} == CLEARED_TABLES, (
            "a new instance-scoped table: list it in CLEARED_TABLES here, or in CONFIGURATION_TABLES"
        )
        assert scoped == CLEARED_TABLES | CONFIGURATION_TABLES
        assert not CLEARED_TABLES & CONFIGURATION_TABLES

    def test_tables_without_an_instance_id_hang_off_configuration_only(self) -> None:
        """Their rows go with their parents' (ON DELETE CASCADE): a parent that a reset clears
        would need them deleted first, which a table-driven DELETE … WHERE instance_id can't do."""
        for table in Base.metadata.sorted_tables:
            if SCOPE_COLUMN in table.c or table.name == "instances":
                continue
            parents = {key.column.table.name for key in table.foreign_keys}
            assert parents <= CONFIGURATION_TABLES, table.name

    def test_configuration_never_refers_to_data(self) -> None:
        """So a reset leaves no dangling reference even where it deletes without foreign-key checks
        (SQLite: db/instance_data.py)."""
        data = {table.name for table in data_tables()}
        for table in Base.metadata.sorted_tables:
            if table.name in data:
                continue
            assert not {key.column.table.name for key in table.foreign_keys} & data, table.name

    def test_children_are_cleared_before_their_parents(self) -> None:
        order = [table.name for table in data_tables()]
        for position, table in enumerate(data_tables()):
            for key in table.foreign_keys:
                parent = key.column.table.name
                if parent in order and parent != table.name:
                    assert order.index(parent) > position, (table.name, parent)


class TestResetInstance:
    async def test_clears_every_data_table_and_keeps_configuration(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        instance: InstanceKeys,
        victim: dict[str, str],  # noqa: F811
    ) -> None:
        before = await row_counts(app, instance.instance_id)
        # The fixture made rows in nearly every table, so this checks the deletes work in FK order.
        assert sum(before[name] > 0 for name in CLEARED_TABLES) >= len(CLEARED_TABLES) - 5

        response = await reset(client)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["object"] == "locum_reset"
        assert body["instance_id"] == instance.instance_id
        assert body["deleted_rows"] == sum(before[name] for name in CLEARED_TABLES)
        after = await row_counts(app, instance.instance_id)
        assert {name: after[name] for name in CLEARED_TABLES} == dict.fromkeys(CLEARED_TABLES, 0)
        assert {name: after[name] for name in CONFIGURATION_TABLES} == {
            name: before[name] for name in CONFIGURATION_TABLES
        }

    async def test_leaves_no_row_referring_to_a_deleted_one(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        victim: dict[str, str],  # noqa: F811
    ) -> None:
        await make_organization(other_client, created_by=(await make_user(other_client))["id"])

        assert (await reset(client)).status_code == 200

        engine: AsyncEngine = app.state.engine
        if engine.dialect.name != "sqlite":
            return  # PostgreSQL checked every deleted row's references
        async with engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA foreign_key_check"))).all() == []
        # The reset's connection went back to the pool enforcing foreign keys again: every pooled
        # connection, all checked out at once, does.
        async with AsyncExitStack() as stack:
            reading = engine.execution_options(**{READ_ONLY_OPTION: True})
            pooled = [await stack.enter_async_context(reading.connect()) for _ in range(engine.pool.size())]
            assert [(await connection.execute(text("PRAGMA foreign_keys"))).scalar() for connection in pooled] == [
                1
            ] * len(pooled)

    async def test_takes_the_instance_rows_out_of_the_trigram_tables_and_no_others(
        self, app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        word = f"trigram{secrets.token_hex(4)}"
        for http in (client, other_client):
            user = await make_user(http, first_name=word, email_address=[f"{word}@example.com"])
            await make_organization(http, name=word, created_by=user["id"])
        engine: AsyncEngine = app.state.engine
        if engine.dialect.name != "sqlite":
            return  # PostgreSQL's trigram indexes are indexes, kept by the table itself

        async def entries() -> dict[str, int]:
            async with engine.connect() as connection:
                return {
                    search: (
                        await connection.execute(
                            text(f"SELECT count(*) FROM {search} WHERE {search} MATCH :word"), {"word": f'"{word}"'}
                        )
                    ).scalar_one()
                    for search in ("users_search", "email_addresses_search", "organizations_search")
                }

        assert await entries() == dict.fromkeys(("users_search", "email_addresses_search", "organizations_search"), 2)
        assert (await reset(client)).status_code == 200
        assert await entries() == dict.fromkeys(("users_search", "email_addresses_search", "organizations_search"), 1)
        again = await make_user(client, first_name=word)
        assert [user["id"] for user in (await client.get("/v1/users", params={"name_query": word})).json()] == [
            again["id"]
        ]

    async def test_api_sees_no_data_but_the_same_configuration(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        await make_organization(client, created_by=user["id"])
        template = await client.post("/v1/jwt_templates", json={"name": "kept", "claims": {"a": 1}})
        assert template.status_code == 200
        plan = await make_plan(client)
        jwks_before = (await client.get("/v1/jwks")).json()

        assert (await reset(client)).status_code == 200

        assert (await client.get("/v1/users/count")).json()["total_count"] == 0
        assert (await client.get("/v1/organizations")).json()["total_count"] == 0
        assert (await client.get(f"/v1/users/{user['id']}")).status_code == 404
        assert (await client.get(f"/v1/jwt_templates/{template.json()['id']}")).status_code == 200
        assert (await client.get(f"/locum/billing/plans/{plan['id']}")).status_code == 200
        assert (await client.get("/v1/jwks")).json() == jwks_before

    async def test_identifiers_are_free_again(self, client: httpx.AsyncClient) -> None:
        email = unique_email()
        await make_user(client, email_address=[email], username="reused_name")

        await reset(client)

        again = await make_user(client, email_address=[email], username="reused_name")
        assert again["email_addresses"][0]["email_address"] == email

    async def test_an_empty_instance_resets_to_nothing(self, client: httpx.AsyncClient) -> None:
        assert (await reset(client)).json()["deleted_rows"] == 0

    async def test_leaves_other_instances_untouched(
        self, app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        theirs = await make_user(other_client)
        await make_user(client)

        await reset(client)

        assert (await other_client.get(f"/v1/users/{theirs['id']}")).status_code == 200
        assert (await other_client.get("/v1/users/count")).json()["total_count"] == 1

    async def test_concurrent_resets_and_writes_leave_a_consistent_instance(self, client: httpx.AsyncClient) -> None:
        for _ in range(3):
            await make_user(client)

        results: list[Any] = await asyncio.gather(
            reset(client), reset(client), client.post("/v1/users", json={"email_address": [unique_email()]})
        )

        assert [result.status_code for result in results] == [200, 200, 200]
        users = (await client.get("/v1/users")).json()
        assert len(users) == (await client.get("/v1/users/count")).json()["total_count"] <= 1
        for user in users:
            assert (await client.get(f"/v1/users/{user['id']}")).status_code == 200

    async def test_production_instances_are_refused(self, app: FastAPI) -> None:
        production = await new_instance(app, environment_type="production")
        async with api_client(app, production.secret_key) as http:
            await make_user(http)

            response = await reset(http)

            assert clerk_error(response)[:2] == (400, "request_invalid_for_environment")
            assert (await http.get("/v1/users/count")).json()["total_count"] == 1

    async def test_needs_a_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            assert (await reset(anonymous)).status_code == 401
