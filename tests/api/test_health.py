"""/healthz (the process answers) and /readyz (database, migrations, delivery worker).

The readiness tests run an app on a database of their own, which they take away (a SQLite file moved
aside; a PostgreSQL database renamed once its connections are ended) and give back.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from locum import app as app_module
from locum.app import create_app
from locum.settings import Settings
from tests.builders import inspection_session
from tests.conftest import TEST_MASTER_KEY, TEST_ORIGIN, api_client
from tests.postgres import configured_database_url, database_name
from tests.sdk.conftest import drop_own_database, own_database_url

READY = {"database": "ok", "migrations": "ok", "delivery_worker": "not_running_here"}
# PostgreSQL ends terminated backends asynchronously: a rename may have to wait for them.
RENAME_ATTEMPTS = 50
RENAME_RETRY_SECONDS = 0.1


@pytest.fixture
def own_settings(tmp_path: Path) -> Iterator[Settings]:
    database_url = own_database_url(tmp_path)
    yield Settings(
        database_url=database_url,
        data_dir=tmp_path,
        master_key=TEST_MASTER_KEY,
        public_url=TEST_ORIGIN,
        deliver_in_serve=False,
    )
    drop_own_database(database_url)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def readyz(app: FastAPI) -> httpx.Response:
    async with api_client(app, None) as http:
        return await http.get("/readyz")


async def _rename_database(admin: asyncpg.Connection, name: str, new_name: str) -> None:
    await admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name
    )
    for _ in range(RENAME_ATTEMPTS):
        try:
            await admin.execute(f'ALTER DATABASE "{name}" RENAME TO "{new_name}"')
            return
        except asyncpg.ObjectInUseError:
            await asyncio.sleep(RENAME_RETRY_SECONDS)
    raise AssertionError(f"database {name} is still in use")


@asynccontextmanager
async def database_away(settings: Settings) -> AsyncIterator[None]:
    """The app's database gone while the block runs, back afterwards."""
    if settings.is_sqlite:
        path = Path(settings.effective_database_url.removeprefix("sqlite:///"))
        aside = path.with_name(path.name + ".aside")
        path.rename(aside)
        try:
            yield
        finally:
            aside.rename(path)
        return
    admin_url = configured_database_url()
    assert admin_url is not None
    name = database_name(settings.effective_database_url)
    admin = await asyncpg.connect(admin_url)
    try:
        await _rename_database(admin, name, f"{name}_aside")
        try:
            yield
        finally:
            await _rename_database(admin, f"{name}_aside", name)
    finally:
        await admin.close()


class TestHealthz:
    async def test_the_process_answers_without_a_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as http:
            response = await http.get("/healthz")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})

    async def test_it_does_not_look_at_the_database(self, own_settings: Settings) -> None:
        async with running(own_settings) as app, database_away(own_settings), api_client(app, None) as http:
            assert (await http.get("/healthz")).status_code == 200


class TestReadyz:
    async def test_ready_when_the_database_answers_at_the_migrations_head(self, app: FastAPI) -> None:
        response = await readyz(app)
        assert (response.status_code, response.json()) == (200, {"status": "ready", "checks": READY})

    async def test_unavailable_while_the_database_is_away_then_ready_again(
        self, own_settings: Settings, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, "locum.health")
        async with running(own_settings) as app:
            assert (await readyz(app)).status_code == 200
            async with database_away(own_settings):
                away = await readyz(app)
                await readyz(app)
            back = await readyz(app)
        assert away.status_code == 503
        assert away.json() == {
            "status": "unavailable",
            "checks": {"database": "failed", "migrations": "skipped", "delivery_worker": "not_running_here"},
        }
        assert (back.status_code, back.json()["checks"]) == (200, READY)
        # Why goes to the log, once per loss of readiness, and never to the unauthenticated caller.
        [lost] = [record for record in caplog.records if record.getMessage().startswith("not ready: database:")]
        assert lost.levelno == logging.WARNING
        assert any(record.getMessage() == "ready again" for record in caplog.records)

    async def test_unavailable_while_the_schema_is_not_at_the_migrations_head(self, own_settings: Settings) -> None:
        async with running(own_settings) as app:
            async with inspection_session(app) as session:
                head = await session.scalar(text("SELECT version_num FROM alembic_version"))
                await session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
                await session.commit()
            behind = await readyz(app)
            async with inspection_session(app) as session:
                await session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
                await session.commit()
            assert (await readyz(app)).status_code == 200
        assert behind.status_code == 503
        assert behind.json()["checks"] == {**READY, "migrations": "failed"}

    async def test_unavailable_once_the_delivery_worker_has_ended(
        self, own_settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async def ends_at_once(*_args: object, **_kwargs: object) -> None:
            return None

        monkeypatch.setattr(app_module, "run_worker", ends_at_once)
        async with running(own_settings.model_copy(update={"deliver_in_serve": True})) as app:
            await asyncio.sleep(0)
            response = await readyz(app)
        assert response.status_code == 503
        assert response.json()["checks"] == {**READY, "delivery_worker": "failed"}

    async def test_a_running_delivery_worker_is_ready(self, own_settings: Settings) -> None:
        async with running(own_settings.model_copy(update={"deliver_in_serve": True})) as app:
            response = await readyz(app)
        assert (response.status_code, response.json()["checks"]) == (200, {**READY, "delivery_worker": "ok"})
