"""Delivery by real `locum serve` and `locum worker` processes: a kill -9 loses no event, retries
follow the schedule, a failing endpoint gets disabled, replay redelivers, a worker stops gracefully.

Endpoints are rows written straight into the server's database; the receiver is a real HTTP server
on loopback in the test process, and every delivery is verified with the svix library.
"""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import WebhookDelivery, WebhookEndpoint
from tests.builders import unique_email, wait_until
from tests.cli.test_cli import run_locum
from tests.conftest import TEST_MASTER_KEY
from tests.sdk.conftest import LocumServer, start_server, stop_server
from tests.webhook_delivery import WebhookReceiver, add_endpoint_to_default_instance, always, on_database

RETRY_INTERVAL_MS = 1000
RETRY_SCHEDULE = "1,1,1"
# How late a retry may arrive: the worker's poll (50 ms) and a loaded test machine.
RETRY_SLACK_MS = 750
DEADLINE_S = 15


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def base_env(database_url: str) -> dict[str, str]:
    return {"LOCUM_DATABASE_URL": database_url, "LOCUM_MASTER_KEY": TEST_MASTER_KEY}


def create_user(server: LocumServer) -> dict[str, object]:
    response = httpx.post(
        f"{server.api_url}/users",
        json={"email_address": [unique_email("webhook")]},
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )
    assert response.status_code == 200, response.text
    user: dict[str, object] = response.json()
    return user


def locum_post(server: LocumServer, path: str, body: dict[str, object] | None = None) -> dict[str, object]:
    response = httpx.post(
        f"{server.origin}/locum{path}", json=body, headers={"Authorization": f"Bearer {server.secret_key}"}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def endpoint_state(database_url: str, endpoint_id: str) -> tuple[bool, str | None]:
    async def read(session: AsyncSession) -> tuple[bool, str | None]:
        row = (
            await session.execute(
                select(WebhookEndpoint.enabled, WebhookEndpoint.disabled_reason).where(
                    WebhookEndpoint.id == endpoint_id
                )
            )
        ).one()
        return row.enabled, row.disabled_reason

    return on_database(database_url, read)


def delivery_statuses(database_url: str) -> list[str]:
    async def read(session: AsyncSession) -> list[str]:
        return list(await session.scalars(select(WebhookDelivery.status)))

    return on_database(database_url, read)


def enable_endpoint(database_url: str, endpoint_id: str) -> None:
    """What the endpoints API does when the app's developer enables the endpoint again."""

    async def enable(session: AsyncSession) -> None:
        await session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(enabled=True, disabled_reason=None)
        )

    on_database(database_url, enable)


def test_an_event_committed_before_kill_9_is_delivered_after_restart(
    tmp_path: Path, database_url: str, receiver: WebhookReceiver
) -> None:
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    # The first server delivers nothing, so the event is surely undelivered when it dies.
    first = start_server(tmp_path / "first", extra_env={**base_env(database_url), "LOCUM_DELIVER_IN_SERVE": "false"})
    try:
        endpoint = add_endpoint_to_default_instance(database_url, receiver.url)
        user = create_user(first)
    finally:
        first.process.kill()
        first.process.wait()
    assert receiver.requests == []
    assert delivery_statuses(database_url) == []

    restarted = start_server(
        tmp_path / "second",
        extra_env={**base_env(database_url), "LOCUM_DELIVER_IN_SERVE": "true", "LOCUM_SECRET_KEY": first.secret_key},
    )
    try:
        [request] = receiver.wait_for(1, timeout=DEADLINE_S)
        payload = request.verified(endpoint.secret)
        assert (payload["type"], payload["data"]) == ("user.created", user)
        wait_until(
            lambda: delivery_statuses(database_url) == ["succeeded"],
            "the delivery is stored as succeeded",
            within_s=DEADLINE_S,
        )
    finally:
        stop_server(restarted)
    assert len(receiver.requests) == 1


def test_a_failing_receiver_gets_retries_on_schedule_then_is_disabled_and_replay_redelivers(
    tmp_path: Path, database_url: str, receiver: WebhookReceiver
) -> None:
    env = {**base_env(database_url), "LOCUM_WEBHOOK_RETRY_SCHEDULE": RETRY_SCHEDULE}
    server = start_server(tmp_path, extra_env=env)
    try:
        endpoint = add_endpoint_to_default_instance(database_url, receiver.url)
        receiver.respond = always(500)
        create_user(server)
        attempts = receiver.wait_for(4, timeout=DEADLINE_S)
        assert len({request.svix_id for request in attempts}) == 1
        for request in attempts:
            request.verified(endpoint.secret)
        gaps = [later.arrived_at_ms - earlier.arrived_at_ms for earlier, later in pairwise(attempts)]
        # locum's clock counts whole milliseconds: a retry may come that fraction early.
        assert all(RETRY_INTERVAL_MS - 1 <= gap <= RETRY_INTERVAL_MS + RETRY_SLACK_MS for gap in gaps), gaps
        wait_until(
            lambda: endpoint_state(database_url, endpoint.id) == (False, "failing"),
            "the endpoint is disabled",
            within_s=DEADLINE_S,
        )
        assert delivery_statuses(database_url) == ["failed"]
        assert len(receiver.requests) == 4

        enable_endpoint(database_url, endpoint.id)
        receiver.respond = always(200)
        assert locum_post(server, "/webhooks/replay", {"since": 0}) == {"object": "locum_replay", "queued": 1}
        replayed = receiver.wait_for(5, timeout=DEADLINE_S)[-1]
        assert replayed.svix_id == attempts[0].svix_id
        replayed.verified(endpoint.secret)
        wait_until(
            lambda: delivery_statuses(database_url) == ["succeeded"],
            "the replayed delivery succeeds",
            within_s=DEADLINE_S,
        )

        event_id = "evt_" + replayed.svix_id.removeprefix("msg_")
        answer = locum_post(server, f"/webhooks/messages/{event_id}/replay")
        assert answer == {"object": "locum_replay", "queued": 1}
        assert receiver.wait_for(6, timeout=DEADLINE_S)[-1].svix_id == replayed.svix_id
    finally:
        stop_server(server)


def test_a_locum_worker_delivers_beside_serve_and_stops_on_sigterm(
    tmp_path: Path, database_url: str, receiver: WebhookReceiver
) -> None:
    env = {**base_env(database_url), "LOCUM_DELIVER_IN_SERVE": "false"}
    server = start_server(tmp_path, extra_env=env)
    log = tmp_path / "worker.log"
    try:
        endpoint = add_endpoint_to_default_instance(database_url, receiver.url)
        with log.open("wb") as output:
            worker = subprocess.Popen(
                [sys.executable, "-m", "locum", "worker"],
                env={**os.environ, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            user = create_user(server)
            [request] = receiver.wait_for(1, timeout=DEADLINE_S)
            assert request.verified(endpoint.secret)["data"] == user
            wait_until(
                lambda: delivery_statuses(database_url) == ["succeeded"], "the delivery is stored", within_s=DEADLINE_S
            )
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=DEADLINE_S) == 0, log.read_text()
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    finally:
        stop_server(server)
    assert "Traceback" not in log.read_text()


def test_a_locum_worker_refuses_a_memory_database_or_a_missing_master_key(tmp_path: Path) -> None:
    memory = run_locum("worker", "--database-url", "sqlite:///:memory:", env={"LOCUM_DATA_DIR": str(tmp_path)})
    assert memory.returncode == 2 and "a file or PostgreSQL" in memory.stderr
    keyless = run_locum(
        "worker",
        "--database-url",
        f"sqlite:///{tmp_path / 'locum.db'}",
        env={"LOCUM_DATA_DIR": str(tmp_path), "LOCUM_MASTER_KEY": ""},
    )
    assert keyless.returncode == 2 and "no master key" in keyless.stderr
    assert not (tmp_path / "master.key").exists()
