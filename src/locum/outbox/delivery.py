"""One delivery attempt: Clerk's envelope, signed, POSTed to the endpoint; what came back.

No database work happens here (attempts run outside any transaction); the worker stores each
AttemptOutcome afterwards. A 2xx answer within DELIVERY_TIMEOUT_SECONDS is a success, anything
else (another status, including 3xx, as redirects are not followed; a network error; the timeout)
is a failure, as with Svix. Like Svix, locum sends no cookies and asks for no compression.
"""

import asyncio
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import orjson

from locum.kit.clock import now_ms
from locum.outbox.isolation import ERROR_TEXT_CHARS, describe, storable_text
from locum.outbox.signing import webhook_headers

# httpx is imported at the first attempt: a server starting has nothing to deliver, and the import
# costs its start ~45 ms.
if TYPE_CHECKING:
    import httpx

# Svix gives an endpoint ~15 s to answer.
DELIVERY_TIMEOUT_SECONDS = 15.0
# Each network step's own limit (httpx's per-request extension); the attempt as a whole has the same.
TIMEOUTS = dict.fromkeys(("connect", "read", "write", "pool"), DELIVERY_TIMEOUT_SECONDS)
RESPONSE_EXCERPT_CHARS = 1000
# UTF-8 needs at most 4 bytes a character: enough bytes for the excerpt whatever the body holds.
RESPONSE_EXCERPT_BYTES = 4 * RESPONSE_EXCERPT_CHARS
UNSEALABLE_SECRET_ERROR = "Not sent: the endpoint's signing secret does not unseal with this master key"
UNRENDERABLE_EVENT_ERROR = "Not sent: the event cannot be rendered as JSON"
MS_PER_SECOND = 1000
# Parsed endpoint URLs kept per worker; endpoints are few, so this is only a bound.
MAX_CACHED_URLS = 1024
# Events recorded outside a request (by a CLI command) have no request to show; Clerk always sends the object.
EMPTY_EVENT_ATTRIBUTES = {"http_request": {"client_ip": "", "user_agent": ""}}


def envelope_body(
    *,
    event_type: str,
    data: dict[str, Any],
    created_at: int,
    instance_id: str,
    attributes: dict[str, Any] | None,
) -> bytes:
    """Clerk's WebhookEventPayload, fields in Clerk's order; `timestamp` in milliseconds."""
    return orjson.dumps(
        {
            "data": data,
            "object": "event",
            "type": event_type,
            "timestamp": created_at,
            "instance_id": instance_id,
            "event_attributes": attributes or EMPTY_EVENT_ATTRIBUTES,
        }
    )


def stored_envelope_body(
    *, event_type: str, data: str, created_at: int, instance_id: str, attributes: str | None
) -> bytes:
    """envelope_body for an event whose JSON columns were read as text (isolation.json_text).

    Raises one of isolation.RENDERING_ERRORS when the event cannot be rendered: see unrenderable_event_error.
    """
    return envelope_body(
        event_type=event_type,
        data=orjson.loads(data),
        created_at=created_at,
        instance_id=instance_id,
        attributes=orjson.loads(attributes) if attributes is not None else None,
    )


def unrenderable_event_error(error: Exception) -> str:
    return storable_text(f"{UNRENDERABLE_EVENT_ERROR}: {describe(error)}", ERROR_TEXT_CHARS)


@dataclass(frozen=True, slots=True)
class LeasedDelivery:
    """A delivery this worker holds until `leased_until`, with everything needed to attempt it."""

    id: str
    instance_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    url: str
    # None: the endpoint's secret cannot be unsealed (another master key), so nothing is sent.
    signing_key: bytes | None
    message_id: str
    body: bytes
    # Attempts already made in the current cycle (a replay starts a new one).
    attempt_count: int
    leased_until: int
    # The row's updated_at when leased: a replay meanwhile changes it, and the attempt's outcome
    # must not overwrite the replay.
    version: int


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    delivery: LeasedDelivery
    attempted_at: int
    response_status: int | None
    response_excerpt: str
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


class Transports:
    """httpx transports of one connection each, every one lent to a single attempt at a time.

    Transports rather than an AsyncClient: a webhook is one POST, and a client would add what Svix
    does not do (keep the endpoint's cookies and send them back, ask for compressed answers) and
    ~15% more time a request. Many one-connection pools rather than one large pool: httpcore looks
    at every connection of its pool, with system calls, whenever a request starts or ends, so one
    pool of 64 connections sends a fifth of what 64 pools of one send. Connections are kept alive
    between attempts; a transport last used for another endpoint closes its idle connection first.

    They also keep each endpoint's URL parsed: httpx takes about as long to parse one as to build
    the rest of a request.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._all: list[httpx.AsyncHTTPTransport] = []
        # Last in, first out: attempts reuse the connections that were used last.
        self._idle: asyncio.LifoQueue[httpx.AsyncHTTPTransport] = asyncio.LifoQueue()
        self._urls: dict[str, httpx.URL] = {}

    def _open(self) -> None:
        """Made at the first attempt, not with the worker: a worker with nothing to deliver (a server
        starting) needs none, and making them takes ~50 ms."""
        import httpx

        # Building a TLS context takes ~20 ms: one is shared.
        tls = ssl.create_default_context()
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._all = [httpx.AsyncHTTPTransport(verify=tls, limits=limits) for _ in range(self._size)]
        for transport in self._all:
            self._idle.put_nowait(transport)

    def url(self, raw: str) -> "httpx.URL":
        """`raw` as httpx parses it (raising httpx.InvalidURL as that does), parsed once."""
        parsed = self._urls.get(raw)
        if parsed is None:
            import httpx

            if len(self._urls) >= MAX_CACHED_URLS:
                self._urls.clear()
            parsed = self._urls[raw] = httpx.URL(raw)
        return parsed

    @asynccontextmanager
    async def lend(self) -> AsyncIterator["httpx.AsyncHTTPTransport"]:
        if not self._all:
            self._open()
        transport = await self._idle.get()
        try:
            yield transport
        finally:
            self._idle.put_nowait(transport)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for transport in self._all:
            await transport.aclose()


async def _read_excerpt(response: "httpx.Response") -> str:
    """The start of the response body, without reading more of it than the excerpt needs."""
    received = bytearray()
    async for chunk in response.aiter_bytes():
        received += chunk
        if len(received) >= RESPONSE_EXCERPT_BYTES:
            break
    return storable_text(bytes(received).decode("utf-8", errors="replace"), RESPONSE_EXCERPT_CHARS)


async def _post(transport: "httpx.AsyncHTTPTransport", request: "httpx.Request") -> tuple[int, str]:
    response = await transport.handle_async_request(request)
    try:
        return response.status_code, await _read_excerpt(response)
    finally:
        await response.aclose()


async def attempt(transports: Transports, delivery: LeasedDelivery) -> AttemptOutcome:
    import httpx

    attempted_at = now_ms()
    if delivery.signing_key is None:
        return AttemptOutcome(delivery, attempted_at, None, "", UNSEALABLE_SECRET_ERROR, 0)
    headers = webhook_headers(
        delivery.signing_key,
        message_id=delivery.message_id,
        timestamp=attempted_at // MS_PER_SECOND,
        body=delivery.body,
    )
    status: int | None = None
    excerpt = ""
    error: str | None = None
    started = time.monotonic()
    try:
        request = httpx.Request(
            "POST",
            transports.url(delivery.url),
            content=delivery.body,
            headers=headers,
            extensions={"timeout": TIMEOUTS},
        )
        async with asyncio.timeout(DELIVERY_TIMEOUT_SECONDS), transports.lend() as transport:
            status, excerpt = await _post(transport, request)
    except TimeoutError:
        error = f"No response within {DELIVERY_TIMEOUT_SECONDS:g} s"
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        error = describe(exc)
    duration_ms = round((time.monotonic() - started) * MS_PER_SECOND)
    return AttemptOutcome(delivery, attempted_at, status, excerpt, error, duration_ms)
