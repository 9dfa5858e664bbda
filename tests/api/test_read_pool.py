"""The read path's bare asyncpg connections (db/reads.py), on PostgreSQL."""

import asyncio

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Integer, String, bindparam, cast, func, select

from locum.db.models import User
from locum.db.reads import POSTGRES_READ_CONNECTIONS
from locum.db.scoping import across_instances
from locum.settings import Settings
from tests.builders import make_user
from tests.postgres import configured_database_url

pytestmark = pytest.mark.skipif(configured_database_url() is None, reason="these read connections are PostgreSQL's")


class TestPostgresqlReadStatements:
    async def test_a_read_is_one_statement_with_no_reset_after_it(
        self, app: FastAPI, settings: Settings, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        assert (await client.get(f"/v1/users/{user['id']}")).status_code == 200
        observer = await asyncpg.connect(settings.database_url)
        try:
            last_statements = await observer.fetch(
                "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await observer.close()
        # asyncpg's default reset (RESET ALL, UNLISTEN *, …) would be the last statement of the
        # connection that served the read: a second round trip for every read.
        assert [row["query"] for row in last_statements if "RESET ALL" in row["query"]] == []
        assert any("FROM users" in row["query"] for row in last_statements)


class TestPostgresqlReadConnections:
    async def test_more_reads_at_once_than_connections_are_all_answered_on_at_most_that_many(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        reader = app.state.reader
        read = reader.prepared(
            across_instances(select(User.id, func.pg_backend_pid()).where(User.id == bindparam("id")))
        )

        rows = await asyncio.gather(
            *(reader.fetch(read, {"id": user["id"]}) for _ in range(4 * POSTGRES_READ_CONNECTIONS))
        )

        assert all(found[0][0] == user["id"] for found in rows)
        assert 1 < len({found[0][1] for found in rows}) <= POSTGRES_READ_CONNECTIONS

    async def test_a_cancelled_read_drops_its_connection_and_later_reads_are_answered(self, app: FastAPI) -> None:
        reader = app.state.reader
        slow = reader.prepared(across_instances(select(func.pg_sleep(bindparam("seconds")), func.pg_backend_pid())))
        pid = reader.prepared(across_instances(select(func.pg_backend_pid())))
        task = asyncio.create_task(reader.fetch(slow, {"seconds": 30}))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

        pids = await asyncio.gather(*(reader.fetch(pid) for _ in range(2 * POSTGRES_READ_CONNECTIONS)))

        assert all(len(found) == 1 for found in pids)

    async def test_a_refused_statement_leaves_its_connection_in_use(self, app: FastAPI) -> None:
        reader = app.state.reader
        failing = reader.prepared(across_instances(select(cast(bindparam("text", type_=String), Integer))))
        pid = reader.prepared(across_instances(select(func.pg_backend_pid())))
        before = await reader.fetch(pid)

        with pytest.raises(asyncpg.PostgresError):
            await reader.fetch(failing, {"text": "not a number"})

        assert await reader.fetch(pid) == before
