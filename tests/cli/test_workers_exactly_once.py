"""Two `locum worker` processes on one PostgreSQL database deliver 5,000 events exactly once each.

The events are inserted in bulk for the default instance while both workers run, so they compete
for the same backlog (FOR UPDATE SKIP LOCKED on events and deliveries). The receiver counts svix-ids:
none may repeat and none may be missing. SQLite has one writer, so one worker per database there.
"""

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Event, WebhookAttempt, WebhookDelivery
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.outbox.signing import message_id
from tests.cli.test_cli import run_locum
from tests.conftest import TEST_MASTER_KEY
from tests.webhook_delivery import (
    WebhookReceiver,
    add_endpoint_to_default_instance,
    default_instance_id,
    on_database,
)

pytestmark = pytest.mark.skipif(
    not os.environ.get("LOCUM_TEST_DATABASE_URL"),
    reason="several workers on one database need PostgreSQL (SQLite has a single writer: one worker per database)",
)

EVENT_COUNT = 5_000
WORKER_COUNT = 2
DELIVERY_DEADLINE_S = 45
STOP_TIMEOUT_S = 15


def insert_events(database_url: str, count: int) -> list[str]:
    async def insert_all(session: AsyncSession) -> list[str]:
        instance_id = await default_instance_id(session)
        rows = [
            {
                "id": new_id("event"),
                "instance_id": instance_id,
                "type": "user.created",
                "data": {"object": "user", "id": new_id("user"), "sequence": sequence},
                "attributes": {},
                "created_at": now_ms(),
            }
            for sequence in range(count)
        ]
        await session.execute(insert(Event.__table__), rows)
        return [row["id"] for row in rows]

    return on_database(database_url, insert_all)


def stored_counts(database_url: str) -> tuple[int, int]:
    async def count(session: AsyncSession) -> tuple[int, int]:
        succeeded = await session.scalar(
            select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "succeeded")
        )
        attempts = await session.scalar(select(func.count()).select_from(WebhookAttempt))
        return succeeded or 0, attempts or 0

    return on_database(database_url, count)


def test_two_workers_deliver_every_event_exactly_once(tmp_path: Path, database_url: str) -> None:
    env = {**os.environ, "LOCUM_DATA_DIR": str(tmp_path), "LOCUM_MASTER_KEY": TEST_MASTER_KEY}
    prepared = run_locum("keys", "--database-url", database_url, env=env)
    assert prepared.returncode == 0, prepared.stderr
    with WebhookReceiver() as receiver:
        add_endpoint_to_default_instance(database_url, receiver.url)
        logs = [tmp_path / f"worker-{number}.log" for number in range(WORKER_COUNT)]
        workers = []
        for log in logs:
            with log.open("wb") as output:
                workers.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "locum", "worker", "--database-url", database_url],
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                )
        try:
            event_ids = insert_events(database_url, EVENT_COUNT)
            received = receiver.wait_for(EVENT_COUNT, timeout=DELIVERY_DEADLINE_S)
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            exit_codes = [worker.wait(timeout=STOP_TIMEOUT_S) for worker in workers]
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()
        worker_logs = "\n".join(log.read_text() for log in logs)
        assert exit_codes == [0] * WORKER_COUNT, worker_logs
        assert "Traceback" not in worker_logs, worker_logs
        svix_ids = Counter(request.svix_id for request in receiver.requests)
    assert [svix_id for svix_id, times in svix_ids.items() if times > 1] == []
    assert set(svix_ids) == {message_id(event_id) for event_id in event_ids}
    assert len(received) == EVENT_COUNT
    assert stored_counts(database_url) == (EVENT_COUNT, EVENT_COUNT)
