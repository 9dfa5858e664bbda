"""The read path's bare asyncpg connections (db/postgres_reads.py), on PostgreSQL."""

import asyncio
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Integer, String, bindparam, cast, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from locum.db import postgres_reads
from locum.db.models import User
from locum.db.postgres_reads import POSTGRES_READ_CONNECTIONS, AsyncpgReader
from locum.db.scoping import across_instances
from locum.settings import Settings
from tests.builders import make_user
from tests.postgres import configured_database_url, database_named

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


class TestPostgresqlKeyLookups:
    async def test_lookups_asked_for_at_once_each_get_their_own_rows_from_one_statement(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        users = [await make_user(client) for _ in range(3)]
        reader = app.state.reader
        read = reader.prepared(
            across_instances(select(User.id, func.pg_backend_pid()).where(User.id == bindparam("id")))
        )
        asked = [user["id"] for user in users] * 4 + ["user_absent"]

        rows = await asyncio.gather(*(reader.fetch_by_key(read, {"id": user_id}) for user_id in asked))

        assert [[found[0] for found in answer] for answer in rows] == [[user_id] for user_id in asked[:-1]] + [[]]
        assert len({found[1] for answer in rows for found in answer}) == 1

    async def test_a_lookup_whose_value_the_server_refuses_fails_alone(self, app: FastAPI) -> None:
        reader = app.state.reader
        read = reader.prepared(across_instances(select(cast(bindparam("text", type_=String), Integer))))

        answers = await asyncio.gather(
            reader.fetch_by_key(read, {"text": "1"}),
            reader.fetch_by_key(read, {"text": "not a number"}),
            reader.fetch_by_key(read, {"text": "3"}),
            return_exceptions=True,
        )

        assert answers[0] == [(1,)] and answers[2] == [(3,)]
        assert isinstance(answers[1], asyncpg.PostgresError)

    async def test_a_cancelled_lookup_leaves_the_others_of_its_statement_answered(self, app: FastAPI) -> None:
        reader = app.state.reader
        read = reader.prepared(across_instances(select(bindparam("number", type_=Integer))))
        first = asyncio.ensure_future(reader.fetch_by_key(read, {"number": 1}))
        cancelled = asyncio.ensure_future(reader.fetch_by_key(read, {"number": 2}))
        last = asyncio.ensure_future(reader.fetch_by_key(read, {"number": 3}))
        await asyncio.sleep(0)
        cancelled.cancel()

        assert [tuple(row) for row in await first] == [(1,)]
        assert [tuple(row) for row in await last] == [(3,)]
        with pytest.raises(asyncio.CancelledError):
            await cancelled


async def _server_address(reader: AsyncpgReader) -> str | None:
    """The server's address as the reader's connections reach it; None over a Unix socket."""
    rows = await reader.fetch(reader.prepared(across_instances(select(func.inet_server_addr()))))
    return None if rows[0][0] is None else str(rows[0][0])


class TestPostgresqlReadSocket:
    async def test_reads_on_the_loopback_go_over_the_servers_unix_socket(
        self, app: FastAPI, settings: Settings
    ) -> None:
        reader = app.state.reader
        if postgres_reads.unix_socket_directory(settings.effective_database_url) is None:
            pytest.skip("the test server has no Unix socket on this machine, or is not on its loopback")

        assert await _server_address(reader) is None
        # The connections opened later take the same way.
        rows = await asyncio.gather(*(_server_address(reader) for _ in range(2 * POSTGRES_READ_CONNECTIONS)))
        assert set(rows) == {None}

    async def test_reads_go_as_the_url_says_when_there_is_no_socket(
        self, app: FastAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        (tmp_path / ".s.PGSQL.5432").touch()  # a file, no server behind it
        monkeypatch.setattr(postgres_reads, "UNIX_SOCKET_DIRECTORIES", (str(tmp_path / "absent"), str(tmp_path)))
        reader = await AsyncpgReader.open(settings.effective_database_url, app.state.engine)
        try:
            assert await _server_address(reader) is not None
        finally:
            await reader.close()

    async def test_a_socket_answering_as_another_server_is_not_used(self, settings: Settings) -> None:
        url = settings.effective_database_url
        if postgres_reads.unix_socket_directory(url) is None:
            pytest.skip("the test server has no Unix socket on this machine, or is not on its loopback")
        # The engine's database differs from the socket's: to the reader, another server.
        other = create_async_engine(database_named(url, "postgres").replace("postgresql://", "postgresql+asyncpg://"))
        try:
            reader = await AsyncpgReader.open(url, other)
            try:
                assert await _server_address(reader) is not None
            finally:
                await reader.close()
        finally:
            await other.dispose()
