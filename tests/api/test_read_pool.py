"""The read path's pool of bare asyncpg connections (db/reads.py), on PostgreSQL."""

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from locum.settings import Settings
from tests.builders import make_user
from tests.postgres import configured_database_url

pytestmark = pytest.mark.skipif(configured_database_url() is None, reason="the read pool is PostgreSQL's")


class TestPostgresqlReadPool:
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
