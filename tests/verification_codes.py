"""Reading the one-time codes locum sends, from /locum/messages (they are never logged); the code
Clerk's test-mode recipients get, for which nothing is sent; and a frozen clock for expiry tests."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

from locum.kit import clock

# Clerk's fixed code for test-mode recipients (`+clerk_test` emails, +1 555-0100..0199 numbers).
TEST_MODE_CODE = "424242"


def _latest_code(response: httpx.Response, to: str) -> str:
    assert response.status_code == 200, response.text
    messages = response.json()["data"]
    assert messages and messages[0]["otp_code"], f"no message with a code to {to}"
    code: str = messages[0]["otp_code"]
    return code


async def messaged_code(client: httpx.AsyncClient, to: str) -> str:
    """The one-time code in the latest message to `to`, read from /locum/messages."""
    return _latest_code(await client.get("/locum/messages", params={"to": to, "limit": 1}), to)


def served_code(origin: str, secret_key: str, to: str) -> str:
    """The same, from a `locum serve` process at `origin` (whose instance `secret_key` belongs to)."""
    response = httpx.get(
        f"{origin}/locum/messages",
        params={"to": to, "limit": 1},
        headers={"Authorization": f"Bearer {secret_key}"},
    )
    return _latest_code(response, to)


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
