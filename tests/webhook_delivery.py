"""For webhook delivery tests: endpoint rows made directly (also in the database of a `locum`
process), and a receiver that is a real HTTP/1.1 server on loopback, in a thread of its own.

The receiver records every request (headers, body, arrival time) and answers each with the status `respond`
gives for it (200 unless told otherwise), so a test can make an endpoint fail always, fail the next
N requests, or fail for some events only. Being in a thread, it serves in-process tests and tests
that drive `locum` processes alike. Requests are parsed by hand on asyncio streams (keep-alive,
Content-Length bodies: what httpx sends).
"""

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import ColumnElement, Text, cast, insert, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from svix.webhooks import Webhook

from locum.db.engine import create_engine, create_sessionmaker
from locum.db.models import Event, Instance, WebhookEndpoint
from locum.db.scoping import ACROSS_INSTANCES_INFO
from locum.kit.ids import new_id
from locum.kit.sealing import Sealer
from locum.outbox.signing import new_endpoint_secret
from locum.settings import Settings
from tests.builders import inspection_session
from tests.conftest import TEST_MASTER_KEY, api_client

HOST = "127.0.0.1"
HEADER_END = b"\r\n\r\n"
DEFAULT_WAIT_S = 10.0
# What `locum` processes in these tests seal their secrets with (LOCUM_MASTER_KEY).
TEST_SEALER = Sealer(TEST_MASTER_KEY.encode())

T = TypeVar("T")


@dataclass(frozen=True)
class Endpoint:
    id: str
    secret: str


def add_endpoint(
    session: AsyncSession,
    sealer: Sealer,
    *,
    instance_id: str,
    url: str,
    event_types: tuple[str, ...] = (),
    enabled: bool = True,
) -> Endpoint:
    """An endpoint row with a fresh secret, added to `session` (the caller commits)."""
    secret = new_endpoint_secret()
    endpoint = WebhookEndpoint(
        id=new_id("webhook_endpoint"),
        instance_id=instance_id,
        url=url,
        sealed_secret=sealer.seal(secret),
        event_types=list(event_types),
        enabled=enabled,
        source="api",
    )
    session.add(endpoint)
    return Endpoint(endpoint.id, secret)


# Deeper than orjson reads (1,024 levels); PostgreSQL's jsonb and SQLite's text keep it all the same.
TOO_DEEP_TO_READ = "[" * 1100 + "]" * 1100


def stored_json(session: AsyncSession, text: str) -> ColumnElement[Any]:
    """`text` as a JSON column keeps it, whatever a JSON library makes of it: a row written by hand,
    or by a locum that accepted more than it could render."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(literal(text, Text), JSONB)
    return literal(text, Text)


async def store_event(
    session: AsyncSession,
    *,
    instance_id: str,
    created_at: int,
    data_json: str,
    attributes_json: str = "{}",
    type: str = "user.updated",
) -> str:
    """An outbox event stored with exactly this JSON text (the caller commits); returns its id."""
    event_id = new_id("event")
    await session.execute(
        insert(Event).values(
            id=event_id,
            instance_id=instance_id,
            type=type,
            data=stored_json(session, data_json),
            attributes=stored_json(session, attributes_json),
            created_at=created_at,
        )
    )
    return event_id


async def store_event_types(app: FastAPI, endpoint_id: str, text: str) -> None:
    """The endpoint's `event_types` replaced by exactly this JSON text."""
    async with inspection_session(app) as session:
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(event_types=stored_json(session, text))
        )
        await session.commit()


async def open_dashboard(app: FastAPI, client: httpx.AsyncClient) -> httpx.Response:
    """The webhook dashboard of `client`'s instance, opened as a browser opens its Svix app's URL."""
    svix_url = (await client.post("/v1/webhooks/svix")).json()["svix_url"]
    async with api_client(app, None, check_contract=False) as browser:
        return await browser.get(svix_url)


def on_database(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`work` run in one committed transaction on the database of a `locum` process, from a sync test."""

    async def run() -> T:
        engine = create_engine(Settings(database_url=database_url))
        try:
            async with create_sessionmaker(engine)(info=dict(ACROSS_INSTANCES_INFO)) as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def default_instance_id(session: AsyncSession) -> str:
    instance_id = await session.scalar(select(Instance.id).where(Instance.is_default.is_(True)))
    assert instance_id is not None
    return instance_id


def add_endpoint_to_default_instance(database_url: str, url: str) -> Endpoint:
    async def add(session: AsyncSession) -> Endpoint:
        return add_endpoint(session, TEST_SEALER, instance_id=await default_instance_id(session), url=url)

    return on_database(database_url, add)


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    # Names lower-cased.
    headers: dict[str, str]
    body: bytes
    # Wall-clock milliseconds at arrival (to compare with event timestamps).
    arrived_at_ms: float

    @property
    def svix_id(self) -> str:
        return self.headers["svix-id"]

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = orjson.loads(self.body)
        return payload

    def verified(self, secret: str) -> dict[str, Any]:
        """The payload, once the svix library has accepted the signature for `secret` (else it raises)."""
        Webhook(secret).verify(self.body, self.headers)
        return self.payload


Responder = Callable[[ReceivedRequest], int]


def always(status: int) -> Responder:
    return lambda _request: status


def held_until(gate: threading.Event, status: int = 200) -> Responder:
    """Answer only once `gate` is set: an endpoint that takes its time (the request is recorded at once)."""

    def respond(_request: ReceivedRequest) -> int:
        gate.wait(DEFAULT_WAIT_S)
        return status

    return respond


class WebhookReceiver:
    def __init__(self) -> None:
        self.respond: Responder = always(200)
        self.response_body = b"ok"
        self._received: list[ReceivedRequest] = []
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="webhook-receiver", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/webhooks"

    def __enter__(self) -> Self:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, HOST, self.port), self._loop
        ).result()
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    async def _close(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer the next `count` requests with `status`, then 200 again."""
        remaining = [count]

        def respond(_request: ReceivedRequest) -> int:
            if remaining[0] > 0:
                remaining[0] -= 1
                return status
            return 200

        self.respond = respond

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._changed:
            return list(self._received)

    def wait_for(self, count: int, timeout: float = DEFAULT_WAIT_S) -> list[ReceivedRequest]:
        """The first `count` requests, once they have arrived (fails the test after `timeout` s)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._received) >= count, timeout):
                pytest.fail(f"the receiver got {len(self._received)} request(s) in {timeout:g} s, expected {count}")
            return self._received[:count]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(HEADER_END)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *header_lines = head[: -len(HEADER_END)].decode("latin-1").split("\r\n")
                headers = {}
                for line in header_lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                request = ReceivedRequest(request_line.split(" ")[1], headers, body, time.time_ns() / 1_000_000)
                with self._changed:
                    self._received.append(request)
                    self._changed.notify_all()
                status = self.respond(request)
                writer.write(
                    b"HTTP/1.1 %d Test\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
                    % (status, len(self.response_body), self.response_body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()
