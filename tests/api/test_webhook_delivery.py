"""Webhook delivery in-process: fan-out, signatures, retries, disabling, replay, the worker loop.

The app here has a database of its own (so no other test's endpoints or events reach these
workers) and runs no worker itself (deliver_in_serve off): each test drives a DeliveryWorker step
by step, which makes retries deterministic under the frozen clock, or runs the real loop. The
receiver is a real HTTP server on loopback; every delivery is verified with Svix's own library.
"""

import asyncio
import dataclasses
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import orjson
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from svix.webhooks import WebhookVerificationError

from locum.app import create_app, deliver_in_app, run_worker
from locum.db.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from locum.instances.service import InstanceKeys, create_instance
from locum.kit import clock
from locum.kit.sealing import Sealer
from locum.outbox import dispatch, repository
from locum.outbox import worker as worker_module
from locum.outbox.delivery import (
    EMPTY_EVENT_ATTRIBUTES,
    RESPONSE_EXCERPT_CHARS,
    UNRENDERABLE_EVENT_ERROR,
    UNSEALABLE_SECRET_ERROR,
    AttemptOutcome,
    LeasedDelivery,
    Transports,
)
from locum.outbox.events import has_outbox_work, mark_outbox_work
from locum.outbox.signing import USER_AGENT
from locum.outbox.worker import MAX_IN_FLIGHT, DeliveryWorker, PassResult, wake_delivery_worker
from locum.settings import Settings
from tests.builders import free_port, inspection_session, logged_text, make_organization, make_user
from tests.conftest import TEST_MASTER_KEY, TEST_ORIGIN, api_client, next_signing_key
from tests.sdk.conftest import drop_own_database, own_database_url
from tests.webhook_delivery import (
    TOO_DEEP_TO_READ,
    Endpoint,
    WebhookReceiver,
    add_endpoint,
    always,
    held_until,
    open_dashboard,
    store_event,
    store_event_types,
)

RETRY_SCHEDULE = (1, 1)
MS = 1000
# Long enough that only a wake (or an attempt finishing) moves the loop, never the poll.
SLOW_POLL_SECONDS = 60.0
FAILURE_FIELDS = (
    "delivery_id",
    "endpoint_id",
    "event_id",
    "event_type",
    "attempt",
    "status_code",
    "error",
    "next_attempt_at",
)


@pytest.fixture(scope="module")
def delivery_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    data_dir: Path = tmp_path_factory.mktemp("webhook-delivery")
    database_url = own_database_url(data_dir)
    yield Settings(
        database_url=database_url,
        data_dir=data_dir,
        master_key=TEST_MASTER_KEY,
        public_url=TEST_ORIGIN,
        deliver_in_serve=False,
        webhook_retry_schedule=RETRY_SCHEDULE,
    )
    drop_own_database(database_url)


@pytest.fixture(scope="module")
async def delivery_app(delivery_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(delivery_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def keys(delivery_app: FastAPI) -> AsyncIterator[InstanceKeys]:
    async with inspection_session(delivery_app) as session:
        instance_keys = await create_instance(session, delivery_app.state.sealer, private_key_pem=next_signing_key())
        await session.commit()
    yield instance_keys
    # Later tests' receivers may reuse this test's ports: its endpoints must not receive anything more.
    async with inspection_session(delivery_app) as session:
        endpoints = WebhookEndpoint.instance_id == instance_keys.instance_id
        await session.execute(update(WebhookEndpoint).where(endpoints).values(enabled=False))
        await session.commit()


@pytest.fixture
async def client(delivery_app: FastAPI, keys: InstanceKeys) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(delivery_app, keys.secret_key) as http:
        yield http


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def new_worker(app: FastAPI, settings: Settings, transports: Transports) -> DeliveryWorker:
    return DeliveryWorker(
        app.state.sessionmaker,
        app.state.sealer,
        settings,
        transports,
        reader=app.state.reader,
        wake=asyncio.Event(),
    )


@pytest.fixture
async def worker(delivery_app: FastAPI, delivery_settings: Settings) -> AsyncIterator[DeliveryWorker]:
    async with Transports(MAX_IN_FLIGHT) as transports:
        delivery_worker = new_worker(delivery_app, delivery_settings, transports)
        yield delivery_worker
        await delivery_worker.drain()


def start_worker_loop(app: FastAPI, settings: Settings) -> tuple[asyncio.Task[None], asyncio.Event, asyncio.Event]:
    """run_worker on `app` as a task that polls only when woken: (the task, its stop, its wake)."""
    stop, wake = asyncio.Event(), asyncio.Event()
    slow_polling = settings.model_copy(update={"worker_poll_seconds": SLOW_POLL_SECONDS})
    loop = asyncio.create_task(
        run_worker(
            app.state.sessionmaker, app.state.sealer, slow_polling, reader=app.state.reader, stop=stop, wake=wake
        )
    )
    return loop, stop, wake


async def deliver_due(worker: DeliveryWorker) -> None:
    """Fan out and attempt everything due now, and store the outcomes."""
    while True:
        result = await worker.step()
        await worker.drain()
        if not result.fanned_out and not result.leased:
            return


async def endpoint(
    app: FastAPI, keys: InstanceKeys, url: str, *, event_types: tuple[str, ...] = (), enabled: bool = True
) -> Endpoint:
    async with inspection_session(app) as session:
        added = add_endpoint(
            session, app.state.sealer, instance_id=keys.instance_id, url=url, event_types=event_types, enabled=enabled
        )
        await session.commit()
    return added


async def rows(app: FastAPI, statement: Any) -> list[Any]:
    async with inspection_session(app) as session:
        return list(await session.scalars(statement))


async def delivery_of(app: FastAPI, event_id: str, endpoint_id: str) -> WebhookDelivery:
    [delivery] = await rows(
        app,
        select(WebhookDelivery).where(WebhookDelivery.event_id == event_id, WebhookDelivery.endpoint_id == endpoint_id),
    )
    return delivery


async def attempts_of(app: FastAPI, delivery_id: str) -> list[WebhookAttempt]:
    return await rows(
        app,
        select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(WebhookAttempt.attempted_at),
    )


async def events_of(app: FastAPI, keys: InstanceKeys) -> list[Event]:
    return await rows(
        app, select(Event).where(Event.instance_id == keys.instance_id).order_by(Event.created_at, Event.id)
    )


async def endpoint_row(app: FastAPI, endpoint_id: str) -> WebhookEndpoint:
    [row] = await rows(app, select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
    return row


def svix_id_of(event_id: str) -> str:
    return "msg_" + event_id.removeprefix("evt_")


def nested(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth):
        value = {"a": value}
    return value


class Unrenderable(NamedTuple):
    """An event's data and attributes as a database may hold them, and what orjson says about them."""

    data: str
    attributes: str
    reason: str


TOO_DEEP = Unrenderable(TOO_DEEP_TO_READ, "{}", "depth limit exceeded")


@pytest.fixture(
    params=[
        # Storable on its own, one level too deep once inside Clerk's envelope (what locum accepted).
        pytest.param(
            Unrenderable(orjson.dumps(nested(253)).decode(), "{}", "Recursion limit reached"),
            id="deeper-than-the-writer",
        ),
        pytest.param(TOO_DEEP, id="deeper-than-the-reader"),
        pytest.param(Unrenderable('{"n": 1e400}', "{}", "number is infinity"), id="number-beyond-a-double"),
        pytest.param(
            Unrenderable("{}", f'{{"http_request": {TOO_DEEP_TO_READ}}}', "depth limit exceeded"),
            id="unreadable-attributes",
        ),
    ]
)
def unrenderable(request: pytest.FixtureRequest) -> Unrenderable:
    event: Unrenderable = request.param
    return event


async def event_ids_of(app: FastAPI, keys: InstanceKeys) -> list[str]:
    """Ids only: an event's stored JSON may be more than the ORM can read."""
    return await rows(
        app, select(Event.id).where(Event.instance_id == keys.instance_id).order_by(Event.created_at, Event.id)
    )


async def event_error(app: FastAPI, event_id: str) -> str | None:
    [error] = await rows(app, select(Event.error).where(Event.id == event_id))
    return error


async def store_unrenderable_event(app: FastAPI, keys: InstanceKeys, *, at_ms: int, event: Unrenderable) -> str:
    async with inspection_session(app) as session:
        stored = {"data_json": event.data, "attributes_json": event.attributes}
        event_id = await store_event(session, instance_id=keys.instance_id, created_at=at_ms, **stored)
        await session.commit()
    return event_id


async def two_users_created(
    app: FastAPI, keys: InstanceKeys, client: httpx.AsyncClient, receiver: WebhookReceiver
) -> tuple[Endpoint, str, str]:
    """An endpoint, then two user.created events: (the endpoint, the first event's id, the second's)."""
    hook = await endpoint(app, keys, receiver.url)
    await make_user(client)
    await make_user(client)
    first_id, second_id = await event_ids_of(app, keys)
    return hook, first_id, second_id


class TestFanOutAndSigning:
    async def test_user_creation_is_delivered_once_in_clerks_envelope(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url)
        user = await make_user(client)
        await deliver_due(worker)
        await deliver_due(worker)

        [request] = receiver.wait_for(1)
        [event] = await events_of(delivery_app, keys)
        payload = request.verified(hook.secret)
        assert list(payload) == ["data", "object", "type", "timestamp", "instance_id", "event_attributes"]
        assert payload == {
            "data": user,
            "object": "event",
            "type": "user.created",
            "timestamp": event.created_at,
            "instance_id": keys.instance_id,
            "event_attributes": event.attributes or EMPTY_EVENT_ATTRIBUTES,
        }
        assert request.svix_id == svix_id_of(event.id)
        assert request.headers["content-type"] == "application/json"
        assert request.headers["user-agent"] == USER_AGENT
        assert abs(int(request.headers["svix-timestamp"]) - clock.now_ms() // MS) <= 5
        assert event.dispatched_at is not None
        delivery = await delivery_of(delivery_app, event.id, hook.id)
        assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at, delivery.leased_until) == (
            "succeeded",
            1,
            None,
            None,
        )
        [attempt] = await attempts_of(delivery_app, delivery.id)
        assert (attempt.response_status, attempt.response_excerpt, attempt.error) == (200, "ok", None)
        assert attempt.duration_ms >= 0 and attempt.instance_id == keys.instance_id
        assert len(receiver.requests) == 1

    async def test_event_type_filter_selects_events(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        deletions = await endpoint(delivery_app, keys, receiver.url + "/deletions", event_types=("user.deleted",))
        everything = await endpoint(delivery_app, keys, receiver.url + "/all")
        user = await make_user(client)
        assert (await client.delete(f"/v1/users/{user['id']}")).status_code == 200
        await deliver_due(worker)

        received = receiver.wait_for(3)
        expected = [
            ("/webhooks/all", "user.created"),
            ("/webhooks/all", "user.deleted"),
            ("/webhooks/deletions", "user.deleted"),
        ]
        assert sorted((request.path, request.payload["type"]) for request in received) == expected
        for request in received:
            request.verified(deletions.secret if request.path.endswith("/deletions") else everything.secret)

    async def test_disabled_endpoint_gets_nothing(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        disabled = await endpoint(delivery_app, keys, receiver.url, enabled=False)
        await make_user(client)
        await deliver_due(worker)
        assert receiver.requests == []
        assert await rows(delivery_app, select(WebhookDelivery).where(WebhookDelivery.endpoint_id == disabled.id)) == []
        assert [event.dispatched_at is not None for event in await events_of(delivery_app, keys)] == [True]

    async def test_two_endpoints_get_one_svix_id_with_their_own_signatures(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        first = await endpoint(delivery_app, keys, receiver.url + "/first")
        second = await endpoint(delivery_app, keys, receiver.url + "/second")
        await make_user(client)
        await deliver_due(worker)

        requests = {request.path: request for request in receiver.wait_for(2)}
        to_first, to_second = requests["/webhooks/first"], requests["/webhooks/second"]
        assert to_first.svix_id == to_second.svix_id
        assert to_first.body == to_second.body
        assert to_first.headers["svix-signature"] != to_second.headers["svix-signature"]
        assert to_first.verified(first.secret) == to_second.verified(second.secret)
        with pytest.raises(WebhookVerificationError):
            to_first.verified(second.secret)


class TestEventsNobodyWants:
    """An event that no enabled endpoint of its instance wants is stored dispatched by the database
    (migration 0018), in the request's transaction: the worker has nothing to fan out for it."""

    async def test_events_of_an_instance_without_endpoints_are_stored_dispatched(
        self, delivery_app: FastAPI, keys: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        await make_user(client)
        await make_organization(client)

        # user.created goes in with InstanceRepository.insert_rows, organization.created with session.add.
        events = {event.type: event for event in await events_of(delivery_app, keys)}
        assert {event_type: event.dispatched_at for event_type, event in events.items()} == {
            event_type: event.created_at for event_type, event in events.items()
        }
        assert set(events) == {"user.created", "organization.created"}

    @pytest.mark.parametrize(
        "event_types",
        ['["user.deleted"]', TOO_DEEP_TO_READ],
        ids=["not-in-its-filter", "filter-unreadable"],
    )
    async def test_event_its_endpoint_does_not_want_is_stored_dispatched(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        event_types: str,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url)
        await store_event_types(delivery_app, hook.id, event_types)
        await make_user(client)

        [event] = await events_of(delivery_app, keys)
        assert event.dispatched_at == event.created_at
        await deliver_due(worker)
        assert receiver.requests == []
        assert await rows(delivery_app, select(WebhookDelivery.id).where(WebhookDelivery.event_id == event.id)) == []

    async def test_event_of_an_instance_whose_endpoint_is_disabled_is_stored_dispatched(
        self, delivery_app: FastAPI, keys: InstanceKeys, client: httpx.AsyncClient, receiver: WebhookReceiver
    ) -> None:
        await endpoint(delivery_app, keys, receiver.url, enabled=False)
        await make_organization(client)

        [event] = await events_of(delivery_app, keys)
        assert event.dispatched_at == event.created_at

    @pytest.mark.parametrize(
        "event_types",
        ["[]", "null", '["user.created"]', '["user.deleted", "user.created"]'],
        ids=["every-type", "null-every-type", "its-type", "its-type-among-others"],
    )
    async def test_event_an_endpoint_wants_is_left_to_the_worker_and_delivered_once(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        event_types: str,
    ) -> None:
        await endpoint(delivery_app, keys, receiver.url, event_types=("user.deleted",))
        hook = await endpoint(delivery_app, keys, receiver.url)
        await store_event_types(delivery_app, hook.id, event_types)
        await make_user(client)

        [event] = await events_of(delivery_app, keys)
        assert event.dispatched_at is None
        await deliver_due(worker)
        await deliver_due(worker)
        [request] = receiver.wait_for(1)
        assert request.verified(hook.secret)["type"] == "user.created"
        [dispatched] = await events_of(delivery_app, keys)
        assert dispatched.dispatched_at is not None
        assert (await delivery_of(delivery_app, event.id, hook.id)).status == "succeeded"
        assert len(receiver.requests) == 1

    async def test_event_inserted_otherwise_keeps_its_stored_state(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        """A snapshot's events are imported before its endpoints: one not fanned out yet stays so."""
        async with inspection_session(delivery_app) as session:
            event_id = await store_event(
                session, instance_id=keys.instance_id, created_at=clock.now_ms(), data_json="{}"
            )
            await session.commit()
        [event] = await events_of(delivery_app, keys)
        assert event.dispatched_at is None
        hook = await endpoint(delivery_app, keys, receiver.url)

        await deliver_due(worker)
        [request] = receiver.wait_for(1)
        assert request.svix_id == svix_id_of(event_id)
        assert (await delivery_of(delivery_app, event_id, hook.id)).status == "succeeded"

    async def test_event_types_the_database_cannot_judge_are_left_to_the_worker(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        """A filter that is no list of strings gets no event (dispatch.read_event_types); the
        database leaves it to the worker to say so rather than read the JSON another way."""
        hook = await endpoint(delivery_app, keys, receiver.url)
        await store_event_types(delivery_app, hook.id, '["user.created", 1]')
        await make_user(client)

        [event] = await events_of(delivery_app, keys)
        assert event.dispatched_at is None
        await deliver_due(worker)
        [dispatched] = await events_of(delivery_app, keys)
        assert dispatched.dispatched_at is not None
        assert receiver.requests == []


class TestRetries:
    async def test_failed_attempts_are_recorded_and_retried_on_schedule(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        frozen_clock: int,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url)
        receiver.fail_next(2, status=503)
        receiver.response_body = b"\x00" + "é".encode() * 3000
        await make_user(client)
        await deliver_due(worker)
        clock.freeze(frozen_clock + RETRY_SCHEDULE[0] * MS - 1)
        await deliver_due(worker)
        assert len(receiver.requests) == 1
        clock.freeze(frozen_clock + RETRY_SCHEDULE[0] * MS)
        await deliver_due(worker)
        clock.freeze(frozen_clock + sum(RETRY_SCHEDULE) * MS)
        await deliver_due(worker)

        received = receiver.wait_for(3)
        assert len({request.svix_id for request in received}) == 1
        for request in received:
            request.verified(hook.secret)
        [event] = await events_of(delivery_app, keys)
        delivery = await delivery_of(delivery_app, event.id, hook.id)
        assert (delivery.status, delivery.attempt_count) == ("succeeded", 3)
        attempts = await attempts_of(delivery_app, delivery.id)
        assert [attempt.attempted_at - frozen_clock for attempt in attempts] == [0, 1000, 2000]
        assert [attempt.response_status for attempt in attempts] == [503, 503, 200]
        assert attempts[0].response_excerpt == "é" * RESPONSE_EXCERPT_CHARS
        assert all(attempt.error is None and attempt.duration_ms >= 0 for attempt in attempts)

    async def test_network_errors_are_recorded_as_failed_attempts(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        worker: DeliveryWorker,
        frozen_clock: int,
    ) -> None:
        hook = await endpoint(delivery_app, keys, f"http://127.0.0.1:{free_port()}/nobody-listens")
        await make_user(client)
        await deliver_due(worker)
        [event] = await events_of(delivery_app, keys)
        delivery = await delivery_of(delivery_app, event.id, hook.id)
        assert (delivery.status, delivery.next_attempt_at) == ("pending", frozen_clock + RETRY_SCHEDULE[0] * MS)
        [attempt] = await attempts_of(delivery_app, delivery.id)
        assert attempt.response_status is None and attempt.response_excerpt == ""
        assert attempt.error is not None and attempt.error.startswith("ConnectError")

    async def test_an_endpoint_url_httpx_cannot_parse_is_a_failed_attempt_each_time(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        worker: DeliveryWorker,
        frozen_clock: int,
    ) -> None:
        hook = await endpoint(delivery_app, keys, "http://[::1/unclosed")
        await make_user(client)
        await deliver_due(worker)
        clock.freeze(frozen_clock + RETRY_SCHEDULE[0] * MS)
        await deliver_due(worker)
        [event] = await events_of(delivery_app, keys)
        delivery = await delivery_of(delivery_app, event.id, hook.id)
        assert (delivery.status, delivery.attempt_count) == ("pending", 2)
        attempts = await attempts_of(delivery_app, delivery.id)
        assert [attempt.response_status for attempt in attempts] == [None, None]
        assert all(attempt.error is not None and attempt.error.startswith("InvalidURL") for attempt in attempts)

    async def test_a_secret_sealed_with_another_master_key_fails_only_its_endpoint(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        async with inspection_session(delivery_app) as session:
            foreign = Sealer(Fernet.generate_key())
            unreadable = add_endpoint(session, foreign, instance_id=keys.instance_id, url=receiver.url + "/unreadable")
            await session.commit()
        await endpoint(delivery_app, keys, receiver.url + "/fine")
        await make_user(client)
        await deliver_due(worker)

        assert [request.path for request in receiver.requests] == ["/webhooks/fine"]
        [event] = await events_of(delivery_app, keys)
        delivery = await delivery_of(delivery_app, event.id, unreadable.id)
        assert (delivery.status, delivery.attempt_count) == ("pending", 1)
        [attempt] = await attempts_of(delivery_app, delivery.id)
        assert attempt.response_status is None and attempt.error == UNSEALABLE_SECRET_ERROR

    async def test_exhausted_schedule_fails_the_delivery_and_disables_the_endpoint(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        frozen_clock: int,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url)
        receiver.respond = always(500)
        await make_user(client)
        await deliver_due(worker)
        clock.freeze(frozen_clock + 1000)
        await deliver_due(worker)
        # A second event, attempted once, still has retries left when the first one runs out.
        clock.freeze(frozen_clock + 1500)
        await make_user(client)
        await deliver_due(worker)
        clock.freeze(frozen_clock + 2000)
        await deliver_due(worker)

        first, second = await events_of(delivery_app, keys)
        attempted = [svix_id_of(event.id) for event in (first, first, second, first)]
        assert [request.svix_id for request in receiver.wait_for(4)] == attempted
        exhausted = await delivery_of(delivery_app, first.id, hook.id)
        assert (exhausted.status, exhausted.attempt_count, exhausted.next_attempt_at) == ("failed", 3, None)
        cut_short = await delivery_of(delivery_app, second.id, hook.id)
        assert (cut_short.status, cut_short.attempt_count, cut_short.next_attempt_at) == ("failed", 1, None)
        row = await endpoint_row(delivery_app, hook.id)
        assert (row.enabled, row.disabled_reason) == (False, "failing")
        clock.freeze(frozen_clock + 10_000)
        await make_user(client)
        await deliver_due(worker)
        assert len(receiver.requests) == 4

    async def test_a_success_since_the_first_attempt_keeps_the_endpoint_enabled(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        frozen_clock: int,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url)
        doomed = await make_user(client)
        receiver.respond = lambda request: 500 if request.payload["data"]["id"] == doomed["id"] else 200
        await deliver_due(worker)
        clock.freeze(frozen_clock + 500)
        await make_user(client)
        await deliver_due(worker)
        for at in (1000, 2000):
            clock.freeze(frozen_clock + at)
            await deliver_due(worker)

        first, _ = await events_of(delivery_app, keys)
        assert (await delivery_of(delivery_app, first.id, hook.id)).status == "failed"
        row = await endpoint_row(delivery_app, hook.id)
        assert (row.enabled, row.disabled_reason) == (True, None)


def delivery_failure_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if "delivery_id" in vars(record)]


class TestFailureLogs:
    async def test_a_failed_attempt_is_a_warning_naming_what_failed_and_when_it_is_retried(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        frozen_clock: int,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url + "?token=endpoint-credential")
        receiver.fail_next(1, status=503)
        user = await make_user(client)
        failures_before = REGISTRY.get_sample_value("locum_webhook_delivery_failures_total")
        with caplog.at_level(logging.DEBUG):
            await deliver_due(worker)

        [event] = await events_of(delivery_app, keys)
        delivery = await delivery_of(delivery_app, event.id, hook.id)
        [record] = delivery_failure_records(caplog)
        assert record.levelno == logging.WARNING and record.name == "locum.outbox"
        assert {field: vars(record)[field] for field in FAILURE_FIELDS} == {
            "delivery_id": delivery.id,
            "endpoint_id": hook.id,
            "event_id": event.id,
            "event_type": "user.created",
            "attempt": 1,
            "status_code": 503,
            "error": None,
            "next_attempt_at": datetime.fromtimestamp(frozen_clock / MS + RETRY_SCHEDULE[0], UTC).isoformat(
                timespec="seconds"
            ),
        }
        message = record.getMessage()
        assert all(part in message for part in (delivery.id, hook.id, event.id, "user.created", "status 503"))
        # Neither the payload, the endpoint's URL (credentials) nor its signing secret.
        logged = logged_text(caplog)
        for secret in (user["email_addresses"][0]["email_address"], "endpoint-credential", hook.secret):
            assert secret not in logged
        assert REGISTRY.get_sample_value("locum_webhook_delivery_failures_total") == (failures_before or 0) + 1

    async def test_a_network_error_is_logged_with_the_error(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        worker: DeliveryWorker,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        await endpoint(delivery_app, keys, f"http://127.0.0.1:{free_port()}/nobody-listens")
        await make_user(client)
        with caplog.at_level(logging.WARNING):
            await deliver_due(worker)
        [record] = delivery_failure_records(caplog)
        assert vars(record)["status_code"] is None and vars(record)["error"].startswith("ConnectError")
        assert "ConnectError" in record.getMessage()

    async def test_giving_up_is_an_error(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        frozen_clock: int,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        await endpoint(delivery_app, keys, receiver.url)
        receiver.respond = always(500)
        await make_user(client)
        with caplog.at_level(logging.WARNING):
            for elapsed_s in range(len(RETRY_SCHEDULE) + 1):
                clock.freeze(frozen_clock + elapsed_s * MS)
                await deliver_due(worker)

        records = delivery_failure_records(caplog)
        assert [(record.levelno, vars(record)["attempt"]) for record in records] == [
            (logging.WARNING, 1),
            (logging.WARNING, 2),
            (logging.ERROR, 3),
        ]
        assert vars(records[-1])["next_attempt_at"] is None
        assert records[-1].getMessage().endswith("giving up")


class TestLeases:
    async def test_a_leased_delivery_is_not_attempted_by_another_worker(
        self,
        delivery_app: FastAPI,
        delivery_settings: Settings,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        await endpoint(delivery_app, keys, receiver.url)
        answered = threading.Event()
        receiver.respond = held_until(answered)
        await make_user(client)
        assert (await worker.step()).leased == 1
        async with Transports(MAX_IN_FLIGHT) as transports:
            assert (await new_worker(delivery_app, delivery_settings, transports).step()).leased == 0
        answered.set()
        await worker.drain()
        assert len(receiver.requests) == 1

    async def test_an_endpoint_deleted_during_an_attempt_leaves_nothing_to_store(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        deleted = await endpoint(delivery_app, keys, receiver.url + "/deleted")
        answered = threading.Event()
        receiver.respond = held_until(answered)
        await make_user(client)
        assert (await worker.step()).leased == 1
        async with inspection_session(delivery_app) as session:
            await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == deleted.id))
            await session.commit()
        answered.set()
        await worker.drain()

        await endpoint(delivery_app, keys, receiver.url + "/kept")
        await make_user(client)
        await deliver_due(worker)
        assert [request.path for request in receiver.requests] == ["/webhooks/deleted", "/webhooks/kept"]
        # The deleted endpoint's attempt had no delivery left to belong to.
        attempts = await rows(
            delivery_app, select(WebhookAttempt).where(WebhookAttempt.instance_id == keys.instance_id)
        )
        assert [attempt.response_status for attempt in attempts] == [200]

    async def test_abandoned_attempts_give_their_lease_back(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url)
        answered = threading.Event()
        receiver.respond = held_until(answered)
        await make_user(client)
        assert (await worker.step()).leased == 1
        await asyncio.to_thread(receiver.wait_for, 1)
        await worker.drain(timeout=0.05)
        answered.set()

        [event] = await events_of(delivery_app, keys)
        delivery = await delivery_of(delivery_app, event.id, hook.id)
        assert (delivery.status, delivery.attempt_count, delivery.leased_until) == ("pending", 0, None)
        assert await attempts_of(delivery_app, delivery.id) == []
        await deliver_due(worker)
        assert (await delivery_of(delivery_app, event.id, hook.id)).status == "succeeded"


class TestReplay:
    async def test_replaying_a_message_redelivers_it_with_the_same_svix_id(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url)
        await make_user(client)
        await deliver_due(worker)
        [event] = await events_of(delivery_app, keys)

        response = await client.post(f"/locum/webhooks/messages/{event.id}/replay")
        assert response.status_code == 200
        assert response.json() == {"object": "locum_replay", "queued": 1}
        await deliver_due(worker)
        first, again = receiver.wait_for(2)
        assert first.svix_id == again.svix_id == svix_id_of(event.id)
        assert again.verified(hook.secret) == first.verified(hook.secret)
        delivery = await delivery_of(delivery_app, event.id, hook.id)
        assert (delivery.status, delivery.attempt_count) == ("succeeded", 1)
        assert len(await attempts_of(delivery_app, delivery.id)) == 2

    async def test_a_replay_during_an_attempt_is_not_overwritten_by_its_outcome(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        frozen_clock: int,
    ) -> None:
        # Under the frozen clock the replay lands in the very millisecond of the lease.
        hook = await endpoint(delivery_app, keys, receiver.url)
        answered = threading.Event()
        receiver.respond = held_until(answered, status=500)
        await make_user(client)
        assert (await worker.step()).leased == 1
        [event] = await events_of(delivery_app, keys)
        replayed = await client.post(f"/locum/webhooks/messages/{event.id}/replay")
        assert replayed.json() == {"object": "locum_replay", "queued": 1}
        answered.set()
        await worker.drain()

        delivery = await delivery_of(delivery_app, event.id, hook.id)
        assert (delivery.status, delivery.attempt_count, delivery.leased_until) == ("pending", 0, None)
        receiver.respond = always(200)
        await deliver_due(worker)
        delivery = await delivery_of(delivery_app, event.id, hook.id)
        assert (delivery.status, delivery.attempt_count) == ("succeeded", 1)
        statuses = [attempt.response_status for attempt in await attempts_of(delivery_app, delivery.id)]
        assert sorted(statuses) == [200, 500]

    async def test_replaying_to_one_endpoint_creates_its_missing_delivery(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        first = await endpoint(delivery_app, keys, receiver.url + "/first")
        await make_user(client)
        await deliver_due(worker)
        late = await endpoint(delivery_app, keys, receiver.url + "/late")
        [event] = await events_of(delivery_app, keys)

        response = await client.post(f"/locum/webhooks/messages/{event.id}/replay", json={"endpoint_id": late.id})
        assert response.json() == {"object": "locum_replay", "queued": 1}
        await deliver_due(worker)
        assert [request.path for request in receiver.wait_for(2)] == ["/webhooks/first", "/webhooks/late"]
        assert (await delivery_of(delivery_app, event.id, late.id)).status == "succeeded"
        assert (await delivery_of(delivery_app, event.id, first.id)).attempt_count == 1

    async def test_replay_since_requeues_failed_and_undelivered_messages(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        frozen_clock: int,
    ) -> None:
        failing = await endpoint(delivery_app, keys, receiver.url + "/failing")
        receiver.respond = always(500)
        await make_user(client)
        for at in (0, 1000, 2000):
            clock.freeze(frozen_clock + at)
            await deliver_due(worker)
        assert not (await endpoint_row(delivery_app, failing.id)).enabled
        refused = await client.post("/locum/webhooks/replay", json={"since": frozen_clock, "endpoint_id": failing.id})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["code"] == "form_param_value_invalid"

        # The app fixed its endpoint and enabled it again; a second endpoint was added meanwhile.
        async with inspection_session(delivery_app) as session:
            await session.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id == failing.id)
                .values(enabled=True, disabled_reason=None)
            )
            await session.commit()
        added = await endpoint(delivery_app, keys, receiver.url + "/added")
        receiver.respond = always(200)
        clock.freeze(frozen_clock + 3000)
        await make_user(client)
        await deliver_due(worker)
        [first, second] = await events_of(delivery_app, keys)
        assert (await delivery_of(delivery_app, second.id, failing.id)).status == "succeeded"

        response = await client.post("/locum/webhooks/replay", json={"since": frozen_clock})
        assert response.json() == {"object": "locum_replay", "queued": 2}
        await deliver_due(worker)
        replayed = receiver.requests[-2:]
        assert sorted((request.path, request.svix_id) for request in replayed) == sorted(
            [("/webhooks/failing", svix_id_of(first.id)), ("/webhooks/added", svix_id_of(first.id))]
        )
        assert (await delivery_of(delivery_app, first.id, failing.id)).status == "succeeded"
        assert (await delivery_of(delivery_app, first.id, added.id)).status == "succeeded"
        response = await client.post("/locum/webhooks/replay", json={"since": frozen_clock + 3000})
        assert response.json() == {"object": "locum_replay", "queued": 0}

    async def test_replay_errors(
        self, delivery_app: FastAPI, keys: InstanceKeys, client: httpx.AsyncClient, receiver: WebhookReceiver
    ) -> None:
        await endpoint(delivery_app, keys, receiver.url)
        await make_user(client)
        [event] = await events_of(delivery_app, keys)
        missing = await client.post("/locum/webhooks/messages/evt_missing/replay")
        assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "resource_not_found"
        unknown_endpoint = await client.post(
            f"/locum/webhooks/messages/{event.id}/replay", json={"endpoint_id": "ep_missing"}
        )
        assert unknown_endpoint.status_code == 404
        invalid = await client.post("/locum/webhooks/replay", json={"since": -1})
        assert invalid.status_code == 422 and invalid.json()["errors"][0]["meta"] == {"param_name": "since"}
        unauthenticated = await client.post("/locum/webhooks/replay", json={"since": 0}, headers={"Authorization": ""})
        assert unauthenticated.status_code == 401

    async def test_another_instances_message_is_not_found(
        self, delivery_app: FastAPI, keys: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        await make_user(client)
        [event] = await events_of(delivery_app, keys)
        async with inspection_session(delivery_app) as session:
            other = await create_instance(session, delivery_app.state.sealer)
            await session.commit()
        async with api_client(delivery_app, other.secret_key) as other_client:
            response = await other_client.post(f"/locum/webhooks/messages/{event.id}/replay")
        assert response.status_code == 404


class TestOneBadEventStopsNothing:
    """Events a worker cannot render, fan out, lease or store fail alone, with their error; every
    other event goes on, in this pass and after a restart."""

    async def test_an_unrenderable_event_fails_and_the_next_ones_are_delivered(
        self,
        delivery_app: FastAPI,
        delivery_settings: Settings,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        frozen_clock: int,
        unrenderable: Unrenderable,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url)
        bad_id = await store_unrenderable_event(delivery_app, keys, at_ms=frozen_clock - 1, event=unrenderable)
        await make_user(client)
        await deliver_due(worker)

        _, created_id = await event_ids_of(delivery_app, keys)
        assert [request.svix_id for request in receiver.wait_for(1)] == [svix_id_of(created_id)]
        failed = await delivery_of(delivery_app, bad_id, hook.id)
        assert (failed.status, failed.attempt_count, failed.next_attempt_at, failed.leased_until) == (
            "failed",
            1,
            None,
            None,
        )
        [attempt] = await attempts_of(delivery_app, failed.id)
        assert attempt.response_status is None and attempt.error is not None
        assert attempt.error.startswith(UNRENDERABLE_EVENT_ERROR) and unrenderable.reason in attempt.error
        assert await event_error(delivery_app, bad_id) == attempt.error
        # locum's fault, not the endpoint's: it stays enabled.
        assert (await endpoint_row(delivery_app, hook.id)).enabled

        async with Transports(MAX_IN_FLIGHT) as transports:
            restarted = new_worker(delivery_app, delivery_settings, transports)
            await deliver_due(restarted)
            await make_user(client)
            await deliver_due(restarted)
        assert len(receiver.wait_for(2)) == len(receiver.requests) == 2
        assert (await delivery_of(delivery_app, bad_id, hook.id)).attempt_count == 1

    async def test_the_admin_views_show_it_failed(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        frozen_clock: int,
        unrenderable: Unrenderable,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url)
        bad_id = await store_unrenderable_event(delivery_app, keys, at_ms=frozen_clock - 1, event=unrenderable)
        # Before any worker saw it, the views render it all the same.
        listed = await client.get("/locum/webhooks/messages")
        assert listed.status_code == 200, listed.text
        [waiting] = listed.json()["data"]
        assert (waiting["event_id"], waiting["payload"], waiting["deliveries"]) == (bad_id, None, [])
        assert waiting["error"].startswith(UNRENDERABLE_EVENT_ERROR) and unrenderable.reason in waiting["error"]
        await make_user(client)
        await deliver_due(worker)

        listed = await client.get("/locum/webhooks/messages")
        assert listed.status_code == 200, listed.text
        created, bad = listed.json()["data"]
        assert created["error"] is None and created["payload"]["type"] == "user.created"
        assert bad["event_id"] == bad_id and bad["payload"] is None
        [delivery] = bad["deliveries"]
        assert (delivery["endpoint_id"], delivery["status"]) == (hook.id, "failed")
        assert delivery["attempts"][0]["error"] == bad["error"] == await event_error(delivery_app, bad_id)
        only_bad = await client.get(
            "/locum/webhooks/messages", params={"endpoint_id": hook.id, "limit": 1, "offset": 1}
        )
        assert [message["event_id"] for message in only_bad.json()["data"]] == [bad_id]
        dashboard = await open_dashboard(delivery_app, client)
        assert dashboard.status_code == 200
        assert "failed" in dashboard.text and unrenderable.reason in dashboard.text
        assert (await client.get("/locum/messages")).status_code == 200

    async def test_replaying_it_fails_it_again_and_blocks_nothing(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        frozen_clock: int,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url)
        bad_id = await store_unrenderable_event(delivery_app, keys, at_ms=frozen_clock - 1, event=TOO_DEEP)
        await deliver_due(worker)
        replayed = await client.post(f"/locum/webhooks/messages/{bad_id}/replay")
        assert replayed.json() == {"object": "locum_replay", "queued": 1}
        assert await event_error(delivery_app, bad_id) is None
        await deliver_due(worker)
        assert await event_error(delivery_app, bad_id) is not None
        since = await client.post("/locum/webhooks/replay", json={"since": frozen_clock - 1})
        assert since.json() == {"object": "locum_replay", "queued": 1}
        await make_user(client)
        await deliver_due(worker)

        assert len(receiver.wait_for(1)) == len(receiver.requests) == 1
        failed = await delivery_of(delivery_app, bad_id, hook.id)
        assert (failed.status, failed.attempt_count) == ("failed", 1)
        assert len(await attempts_of(delivery_app, failed.id)) == 3

    async def test_an_endpoint_whose_event_types_cannot_be_read_gets_nothing_and_stops_nothing(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
    ) -> None:
        unreadable = await endpoint(delivery_app, keys, receiver.url + "/unreadable")
        await store_event_types(delivery_app, unreadable.id, TOO_DEEP_TO_READ)
        await endpoint(delivery_app, keys, receiver.url + "/fine")
        await make_user(client)
        await deliver_due(worker)

        assert [request.path for request in receiver.wait_for(1)] == ["/webhooks/fine"]
        [event_id] = await event_ids_of(delivery_app, keys)
        replayed = await client.post(f"/locum/webhooks/messages/{event_id}/replay")
        assert replayed.json() == {"object": "locum_replay", "queued": 1}
        since = await client.post("/locum/webhooks/replay", json={"since": 0})
        assert since.json() == {"object": "locum_replay", "queued": 0}
        to_it = await client.post(f"/locum/webhooks/messages/{event_id}/replay", json={"endpoint_id": unreadable.id})
        assert to_it.json() == {"object": "locum_replay", "queued": 0}

    async def test_a_fault_fanning_out_one_event_fails_only_that_event(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        _, poisoned_id, created_id = await two_users_created(delivery_app, keys, client, receiver)
        new_delivery_row = dispatch.new_delivery_row

        def to_a_missing_endpoint(*, event_id: str, **row: Any) -> dict[str, Any]:
            # The database refuses this row (no such endpoint), as it may refuse one nobody foresaw.
            if event_id == poisoned_id:
                row["endpoint_id"] = "ep_missing"
            return new_delivery_row(event_id=event_id, **row)

        monkeypatch.setattr(dispatch, "new_delivery_row", to_a_missing_endpoint)
        with caplog.at_level(logging.ERROR, logger="locum.outbox"):
            await deliver_due(worker)

        receiver.wait_for(1)
        assert [request.svix_id for request in receiver.requests] == [svix_id_of(created_id)]
        error = await event_error(delivery_app, poisoned_id)
        assert error is not None and "foreign key" in error.lower()
        assert await rows(delivery_app, select(WebhookDelivery.id).where(WebhookDelivery.event_id == poisoned_id)) == []
        assert any(poisoned_id in record.getMessage() for record in caplog.records)
        listed = (await client.get("/locum/webhooks/messages")).json()["data"]
        assert [(message["event_id"], message["error"]) for message in listed] == [
            (created_id, None),
            (poisoned_id, error),
        ]
        # Once the fault is gone, replaying the event delivers it and clears its error.
        monkeypatch.undo()
        replayed = await client.post(f"/locum/webhooks/messages/{poisoned_id}/replay")
        assert replayed.json() == {"object": "locum_replay", "queued": 1}
        await deliver_due(worker)
        assert [request.svix_id for request in receiver.wait_for(2)][1:] == [svix_id_of(poisoned_id)]
        assert await event_error(delivery_app, poisoned_id) is None

    async def test_a_fault_leasing_one_delivery_fails_only_that_delivery(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        hook, poisoned_id, created_id = await two_users_created(delivery_app, keys, client, receiver)
        message_id = repository.message_id

        def faulty_message_id(event_id: str) -> str:
            if event_id == poisoned_id:
                raise RuntimeError("unforeseen")
            return message_id(event_id)

        monkeypatch.setattr(repository, "message_id", faulty_message_id)
        with caplog.at_level(logging.ERROR, logger="locum.outbox"):
            await deliver_due(worker)

        assert [request.svix_id for request in receiver.wait_for(1)] == [svix_id_of(created_id)]
        failed = await delivery_of(delivery_app, poisoned_id, hook.id)
        assert (failed.status, failed.attempt_count, failed.leased_until) == ("failed", 1, None)
        [attempt] = await attempts_of(delivery_app, failed.id)
        assert attempt.error == "RuntimeError: unforeseen"
        assert any(failed.id in record.getMessage() for record in caplog.records)
        assert (await delivery_of(delivery_app, created_id, hook.id)).status == "succeeded"

    async def test_a_fault_storing_one_outcome_fails_only_that_delivery(
        self,
        delivery_app: FastAPI,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        worker: DeliveryWorker,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        hook, poisoned_id, created_id = await two_users_created(delivery_app, keys, client, receiver)
        attempt = worker_module.attempt

        async def unstorable_attempt(transports: Transports, delivery: LeasedDelivery) -> AttemptOutcome:
            outcome = await attempt(transports, delivery)
            if delivery.message_id != svix_id_of(poisoned_id):
                return outcome
            # The database refuses its attempt row (no such instance).
            return dataclasses.replace(outcome, delivery=dataclasses.replace(delivery, instance_id="ins_missing"))

        monkeypatch.setattr(worker_module, "attempt", unstorable_attempt)
        await deliver_due(worker)
        await deliver_due(worker)

        assert len(receiver.wait_for(2)) == len(receiver.requests) == 2
        failed = await delivery_of(delivery_app, poisoned_id, hook.id)
        assert (failed.status, failed.leased_until) == ("failed", None)
        [attempt_row] = await attempts_of(delivery_app, failed.id)
        assert attempt_row.error is not None and "foreign key" in attempt_row.error.lower()
        assert (await delivery_of(delivery_app, created_id, hook.id)).status == "succeeded"

    async def test_the_loop_goes_on_past_an_event_it_cannot_deliver(
        self,
        delivery_app: FastAPI,
        delivery_settings: Settings,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        frozen_clock: int,
    ) -> None:
        await endpoint(delivery_app, keys, receiver.url)
        await store_unrenderable_event(delivery_app, keys, at_ms=frozen_clock - 1, event=TOO_DEEP)
        loop, stop, wake = start_worker_loop(delivery_app, delivery_settings)
        await make_user(client)
        wake.set()
        [request] = await asyncio.to_thread(receiver.wait_for, 1)
        assert request.payload["type"] == "user.created"
        await make_user(client)
        wake.set()
        await asyncio.to_thread(receiver.wait_for, 2)
        assert not loop.done()
        stop.set()
        await asyncio.wait_for(loop, timeout=10)


class TestWorkerLoop:
    async def test_the_loop_delivers_when_woken_and_stops_cleanly(
        self,
        delivery_app: FastAPI,
        delivery_settings: Settings,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
    ) -> None:
        hook = await endpoint(delivery_app, keys, receiver.url)
        loop, stop, wake = start_worker_loop(delivery_app, delivery_settings)
        await make_user(client)
        wake.set()
        [request] = await asyncio.to_thread(receiver.wait_for, 1)
        request.verified(hook.secret)
        stop.set()
        await asyncio.wait_for(loop, timeout=10)

    async def test_events_committed_while_a_woken_worker_gathers_share_one_pass(
        self,
        delivery_app: FastAPI,
        delivery_settings: Settings,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        await endpoint(delivery_app, keys, receiver.url)
        monkeypatch.setattr(worker_module, "WAKE_GATHER_SECONDS", 3.0)
        fanned_out_by_pass: list[int] = []
        real_step = DeliveryWorker.step

        async def counted_step(self: DeliveryWorker) -> PassResult:
            result = await real_step(self)
            fanned_out_by_pass.append(result.fanned_out)
            return result

        monkeypatch.setattr(DeliveryWorker, "step", counted_step)
        loop, stop, wake = start_worker_loop(delivery_app, delivery_settings)
        while not fanned_out_by_pass:  # the loop's first pass, before any event
            await asyncio.sleep(0.01)
        for _ in range(3):
            await make_user(client)
            wake.set()
            await asyncio.sleep(0.05)  # time enough for a pass that would not wait
        await asyncio.to_thread(receiver.wait_for, 3)
        assert [count for count in fanned_out_by_pass if count] == [3]
        stop.set()
        await asyncio.wait_for(loop, timeout=10)

    async def test_an_idle_pass_waits_for_no_writer(self, delivery_app: FastAPI, worker: DeliveryWorker) -> None:
        await deliver_due(worker)
        engine: AsyncEngine = delivery_app.state.engine
        async with engine.begin() as writing:
            # SQLite: the write lock is held from here; PostgreSQL: a row lock on nothing the pass reads.
            await writing.execute(text("SELECT 1"))
            result = await asyncio.wait_for(worker.step(), timeout=5)
        assert result == (0, 0)

    async def test_deliver_in_app_runs_a_worker_that_requests_wake(
        self,
        delivery_app: FastAPI,
        delivery_settings: Settings,
        keys: InstanceKeys,
        client: httpx.AsyncClient,
        receiver: WebhookReceiver,
    ) -> None:
        await endpoint(delivery_app, keys, receiver.url)
        serving = Starlette()
        serving.state.settings = delivery_settings.model_copy(
            update={"deliver_in_serve": True, "worker_poll_seconds": SLOW_POLL_SECONDS}
        )
        serving.state.sessionmaker = delivery_app.state.sessionmaker
        serving.state.sealer = delivery_app.state.sealer
        serving.state.reader = delivery_app.state.reader
        async with deliver_in_app(serving):
            await make_user(client)
            wake_delivery_worker(serving)
            await asyncio.to_thread(receiver.wait_for, 1)

    async def test_deliver_in_app_does_nothing_when_serve_does_not_deliver(self, delivery_app: FastAPI) -> None:
        async with deliver_in_app(delivery_app):
            assert getattr(delivery_app.state, "delivery_wake", None) is None
        wake_delivery_worker(delivery_app)

    async def test_sessions_that_record_events_or_replays_are_marked(self, delivery_app: FastAPI) -> None:
        async with inspection_session(delivery_app) as session:
            assert not has_outbox_work(session)
            mark_outbox_work(session)
            assert has_outbox_work(session)
