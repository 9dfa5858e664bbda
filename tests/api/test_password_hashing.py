"""Password hashes and checks run at most MAX_CONCURRENT_HASHES at a time, whatever the number of requests.

Each argon2id hash takes 64 MiB: unbounded, 100 concurrent verifications took the server to 1.8 GB.
"""

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from locum.kit import passwords
from locum.kit.hashing import MAX_CONCURRENT_HASHES
from tests.builders import make_user, unique_email

PASSWORD = "correct horse battery"
CONCURRENT_REQUESTS = 4 * MAX_CONCURRENT_HASHES
# Only a guard against a hung test: no assertion depends on how long anything takes.
PROBE_TIMEOUT_S = 30


class ConcurrencyProbe:
    """Wraps a hashing function: counts the calls running at once, and holds each one until the
    test lets it go, so that every request has reached the hashing step while calls are held."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.entered = threading.Semaphore(0)
        self.proceed = threading.Semaphore(0)

    def __call__(self, *args: Any) -> Any:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        self.entered.release()
        try:
            if not self.proceed.acquire(timeout=PROBE_TIMEOUT_S):
                raise TimeoutError("the test never let this call proceed")
            return self.function(*args)
        finally:
            with self.lock:
                self.running -= 1

    async def wait_for_a_call(self) -> None:
        assert await asyncio.to_thread(self.entered.acquire, timeout=PROBE_TIMEOUT_S), "no call came"


async def run_concurrently(probe: ConcurrencyProbe, requests: list[Any]) -> list[httpx.Response]:
    """Runs the requests at once; their hashing calls are held until MAX_CONCURRENT_HASHES of them
    are running, then let go one at a time, each making room for a waiting one."""
    tasks = [asyncio.create_task(request) for request in requests]
    for _ in range(MAX_CONCURRENT_HASHES):
        await probe.wait_for_a_call()
    for _ in range(len(tasks) - MAX_CONCURRENT_HASHES):
        probe.proceed.release()
        await probe.wait_for_a_call()
    for _ in range(MAX_CONCURRENT_HASHES):
        probe.proceed.release()
    return list(await asyncio.gather(*tasks))


class TestHashingIsBounded:
    async def test_concurrent_verifications_hash_at_most_the_bound_at_once(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        user = await make_user(client, password=PASSWORD)
        probe = ConcurrencyProbe(passwords.verify_password)
        monkeypatch.setattr(passwords, "verify_password", probe)
        verifications = [
            client.post(f"/v1/users/{user['id']}/verify_password", json={"password": PASSWORD})
            for _ in range(CONCURRENT_REQUESTS)
        ]
        responses = await run_concurrently(probe, verifications)
        assert [response.json() for response in responses] == [{"verified": True}] * CONCURRENT_REQUESTS
        assert probe.peak == MAX_CONCURRENT_HASHES

    async def test_concurrent_users_with_passwords_hash_at_most_the_bound_at_once(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        probe = ConcurrencyProbe(passwords.hash_password)
        monkeypatch.setattr(passwords, "hash_password", probe)
        creations = [
            client.post("/v1/users", json={"email_address": [unique_email()], "password": PASSWORD})
            for _ in range(CONCURRENT_REQUESTS)
        ]
        responses = await run_concurrently(probe, creations)
        assert [response.status_code for response in responses] == [200] * CONCURRENT_REQUESTS
        assert probe.peak == MAX_CONCURRENT_HASHES
