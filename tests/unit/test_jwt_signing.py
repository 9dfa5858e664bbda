"""Session, machine and template tokens are signed on threads of their own where the machine has
cores the server's workers leave idle, and in place where it has none."""

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from locum.kit.jwt_signing import (
    SESSION_TOKEN_CATEGORY,
    SigningKey,
    SigningThreads,
    new_private_key_pem,
    run_signing,
)
from locum.resources.jwt_templates.signing import CustomSigningKey


class ThreadRecordingKey:
    """An RSA private key that notes the thread each signature is made on."""

    def __init__(self, key: Any) -> None:
        self.key = key
        self.signing_threads: list[threading.Thread] = []

    def sign(self, *args: Any) -> bytes:
        self.signing_threads.append(threading.current_thread())
        signature: bytes = self.key.sign(*args)
        return signature


@pytest.fixture
def cores(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A machine of four cores; the process's own signing threads are put back afterwards."""
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    pool = SigningThreads.pool
    yield 4
    if SigningThreads.pool is not None:
        SigningThreads.pool.stop()
    SigningThreads.pool = pool


async def threads_signing_with(workers: int) -> tuple[list[threading.Thread], str, str]:
    SigningThreads.use_spare_cores(workers)
    pem = new_private_key_pem()
    recording = ThreadRecordingKey(SigningKey.from_pem("ins_kid", pem).private_key)
    key = SigningKey(kid="ins_kid", private_key=recording)  # type: ignore[arg-type]
    token = await key.sign({"sub": "user_1"}, category=SESSION_TOKEN_CATEGORY)
    return recording.signing_threads, token, pem


class TestSigningKeySign:
    async def test_with_spare_cores_the_signature_is_made_off_the_event_loop_and_verifies(self, cores: int) -> None:
        signing_threads, token, pem = await threads_signing_with(workers=cores - 1)

        assert signing_threads and threading.current_thread() not in signing_threads
        public_key = serialization.load_pem_private_key(pem.encode(), password=None).public_key()
        assert jwt.decode(token, public_key, algorithms=["RS256"]) == {"sub": "user_1"}
        assert jwt.get_unverified_header(token)["kid"] == "ins_kid"

    async def test_with_a_worker_on_every_core_the_signature_is_made_in_place(self, cores: int) -> None:
        signing_threads, _, _ = await threads_signing_with(workers=cores)

        assert signing_threads == [threading.current_thread()]


class TestRunSigning:
    async def test_signatures_awaited_together_each_get_their_own_result(self, cores: int) -> None:
        SigningThreads.use_spare_cores(cores - 1)

        def slow_echo(value: int) -> int:
            time.sleep(0.001)  # several finish while the loop is busy: they come back in one batch
            return value

        results = await asyncio.gather(*(run_signing(slow_echo, number) for number in range(50)))

        assert results == list(range(50))

    async def test_an_error_raised_while_signing_reaches_the_request_that_awaits_it(self, cores: int) -> None:
        SigningThreads.use_spare_cores(cores - 1)

        def failing() -> None:
            raise ValueError("no key")

        with pytest.raises(ValueError, match="no key"):
            await run_signing(failing)

    async def test_a_cancelled_request_leaves_the_others_their_signatures(self, cores: int) -> None:
        SigningThreads.use_spare_cores(cores - 1)
        started = threading.Event()
        release = threading.Event()

        def held(value: int) -> int:
            started.set()
            release.wait(5)
            return value

        cancelled = asyncio.ensure_future(run_signing(held, 1))
        others = [asyncio.ensure_future(run_signing(held, number)) for number in (2, 3)]
        await asyncio.to_thread(started.wait, 5)
        cancelled.cancel()
        release.set()
        time.sleep(0.2)  # the loop held while all three finish: they come back in one batch

        assert await asyncio.wait_for(asyncio.gather(*others), 5) == [2, 3]
        assert cancelled.cancelled()


class TestCustomSigningKeySign:
    async def test_with_spare_cores_the_template_token_is_signed_off_the_event_loop(self, cores: int) -> None:
        SigningThreads.use_spare_cores(cores - 1)
        loop_thread = threading.current_thread()
        signing_threads: list[threading.Thread] = []

        class ThreadRecordingSecret(bytes):
            """A shared secret PyJWT reads on the thread that signs."""

            def __len__(self) -> int:
                signing_threads.append(threading.current_thread())
                return super().__len__()

        key = CustomSigningKey("HS256", ThreadRecordingSecret(b"s" * 32))

        token = await key.sign({"sub": "user_1"})

        assert signing_threads and loop_thread not in signing_threads
        assert jwt.decode(token, b"s" * 32, algorithms=["HS256"]) == {"sub": "user_1"}
