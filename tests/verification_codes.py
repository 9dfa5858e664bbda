"""Reading the one-time codes locum sends: from /locum/messages, or from the line it logs on
`locum.messages` for each code (test-mode codes included, though nothing is sent for those); and a
frozen clock for expiry tests."""

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from locum.kit import clock

MESSAGES_LOGGER = "locum.messages"
LOG_WAIT_S = 5


def _code_in(text: str, identifier: str) -> str | None:
    codes = re.findall(rf"verification code for {re.escape(identifier)}: (\d{{6}})\b", text)
    return codes[-1] if codes else None


def logged_code(caplog: pytest.LogCaptureFixture, identifier: str) -> str:
    """The latest code logged for `identifier` in this test (in-process app)."""
    records = [r for r in caplog.records if r.name == MESSAGES_LOGGER and r.levelname == "WARNING"]
    code = _code_in("\n".join(r.getMessage() for r in records), identifier)
    assert code is not None, f"no verification code logged for {identifier}"
    return code


def server_logged_code(log: Path, identifier: str) -> str:
    """The latest code a `locum serve` process logged for `identifier` (its log is flushed async)."""
    deadline = time.monotonic() + LOG_WAIT_S
    while (code := _code_in(log.read_text(), identifier)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert code is not None, f"no verification code logged for {identifier}"
    return code


async def messaged_code(client: httpx.AsyncClient, to: str) -> str:
    """The one-time code in the latest message to `to`, read from /locum/messages."""
    response = await client.get("/locum/messages", params={"to": to, "limit": 1})
    assert response.status_code == 200, response.text
    messages = response.json()["data"]
    assert messages and messages[0]["otp_code"], f"no message with a code to {to}"
    code: str = messages[0]["otp_code"]
    return code


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@contextmanager
def frozen_clock(at_ms: int) -> Iterator[Callable[[int], None]]:
    """now_ms() pinned to `at_ms`; the yielded function moves it; released whatever happens."""
    clock.freeze(at_ms)
    try:
        yield clock.freeze
    finally:
        clock.freeze(None)
