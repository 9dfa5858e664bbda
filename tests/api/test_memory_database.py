"""`sqlite:///:memory:`, the natural database for CI: one connection, which requests, read sessions
and the delivery worker take in turns (locum.db.shared_connection).

Each test runs create_app's whole lifespan (migrations, default instance, the in-process worker) on
an in-memory database of its own, whatever LOCUM_TEST_DATABASE_URL says.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from locum.app import create_app
from locum.db.engine import create_engine, create_sessionmaker
from locum.kit.keys import DEVELOPMENT, new_secret_key
from locum.outbox.signing import new_endpoint_secret
from locum.settings import MEMORY_SQLITE_URL, Settings
from tests.builders import make_user
from tests.conftest import TEST_MASTER_KEY, api_client
from tests.webhook_delivery import WebhookReceiver

CONCURRENT_REQUESTS = 20
# How long a task must stay blocked to count as waiting (it would finish in milliseconds otherwise).
WAITING_CHECK_SECONDS = 0.2
# Far longer than any checkout takes: only a deadlock reaches it.
DEADLOCK_GUARD_SECONDS = 10.0


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def memory_settings(tmp_path: Path, receiver: WebhookReceiver) -> Settings:
    return Settings(
        database_url=MEMORY_SQLITE_URL,
        data_dir=tmp_path,
        master_key=TEST_MASTER_KEY,
        secret_key=new_secret_key(DEVELOPMENT),
        webhook_url=receiver.url,
        webhook_secret=new_endpoint_secret(),
    )


@pytest.fixture
async def memory_app(memory_settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(memory_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(memory_app: FastAPI, memory_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(memory_app, memory_settings.secret_key) as http:
        yield http


class TestWebhookDeliveryOnMemory:
    async def test_creating_a_user_delivers_user_created_to_the_webhook_url(
        self, client: httpx.AsyncClient, memory_settings: Settings, receiver: WebhookReceiver
    ) -> None:
        assert memory_settings.webhook_secret is not None
        user = await make_user(client)
        [request] = await asyncio.to_thread(receiver.wait_for, 1)
        payload = request.verified(memory_settings.webhook_secret)
        assert (payload["type"], payload["data"]["id"]) == ("user.created", user["id"])


class TestConcurrentRequestsOnMemory:
    async def test_concurrent_writes_and_reads_all_succeed_beside_the_worker(
        self, client: httpx.AsyncClient, memory_settings: Settings, receiver: WebhookReceiver
    ) -> None:
        writes = asyncio.gather(*(make_user(client) for _ in range(CONCURRENT_REQUESTS)))
        reads = asyncio.gather(*(client.get("/v1/users", params={"limit": 1}) for _ in range(CONCURRENT_REQUESTS)))
        users, listed = await asyncio.gather(writes, reads)
        assert [response.status_code for response in listed] == [200] * CONCURRENT_REQUESTS
        delivered = await asyncio.to_thread(receiver.wait_for, CONCURRENT_REQUESTS)
        assert memory_settings.webhook_secret is not None
        created = {request.verified(memory_settings.webhook_secret)["data"]["id"] for request in delivered}
        assert created == {user["id"] for user in users}


class TestTurnsOnTheOneConnection:
    async def test_a_checkout_inside_a_held_turn_does_not_wait_for_itself(self, tmp_path: Path) -> None:
        engine = create_engine(Settings(database_url=MEMORY_SQLITE_URL, data_dir=tmp_path))
        try:
            async with create_sessionmaker(engine)() as holder:
                await holder.execute(text("SELECT 1"))
                # A second connection taken meanwhile by the same request: waiting for a turn would never end.
                second = await asyncio.wait_for(engine.connect(), timeout=DEADLOCK_GUARD_SECONDS)
                await second.close()
        finally:
            await engine.dispose()

    async def test_another_task_waits_until_the_connection_is_given_back(self, tmp_path: Path) -> None:
        engine = create_engine(Settings(database_url=MEMORY_SQLITE_URL, data_dir=tmp_path))
        sessions = create_sessionmaker(engine)
        holding = asyncio.Event()
        order: list[str] = []

        async def other_task() -> None:
            await holding.wait()
            async with sessions() as session:
                await session.execute(text("SELECT 1"))
                order.append("other task")

        # Started before the turn is taken: a task started inside a turn would share it.
        waiting = asyncio.create_task(other_task())
        try:
            async with sessions() as holder:
                await holder.execute(text("SELECT 1"))
                holding.set()
                done, _ = await asyncio.wait({waiting}, timeout=WAITING_CHECK_SECONDS)
                assert not done
                order.append("holder commits")
                await holder.commit()
            await waiting
        finally:
            await engine.dispose()
        assert order == ["holder commits", "other task"]
