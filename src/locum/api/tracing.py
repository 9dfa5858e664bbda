"""Per-request trace ids, the request's origin for webhook events, and one access-log line per request.

A pure ASGI middleware (Starlette's BaseHTTPMiddleware costs a task per request). The trace id goes
into error bodies (`clerk_trace_id`), the `Clerk-Trace-Id` response header and the log line; the
caller's IP and user agent become the `event_attributes.http_request` of events the request records.

The access line (logger `locum.access`, INFO) names the path without its query string, which may
carry tokens; its `extra` fields (trace_id, route, method, status, duration_ms, instance_id) are
what LOCUM_LOG_FORMAT=json writes beside the message.
"""

import logging
import os
import time
from abc import ABC, abstractmethod
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from locum.api.route_templates import route_template

TRACE_ID_BYTES = 16

logger = logging.getLogger("locum.access")
_trace_id: ContextVar[str] = ContextVar("locum_trace_id", default="")
_http_request: ContextVar[dict[str, str] | None] = ContextVar("locum_http_request", default=None)


def new_trace_id() -> str:
    return os.urandom(TRACE_ID_BYTES).hex()


def trace_id() -> str:
    return _trace_id.get() or new_trace_id()


def current_http_request() -> dict[str, str] | None:
    """{client_ip, user_agent} of the request being served, None outside a request."""
    return _http_request.get()


def _http_request_of(scope: Scope) -> dict[str, str]:
    user_agent = ""
    forwarded_for = ""
    for name, value in scope["headers"]:
        if name == b"user-agent":
            user_agent = value.decode("latin-1")
        elif name == b"x-forwarded-for":
            forwarded_for = value.decode("latin-1")
    client = scope.get("client")
    # Behind a proxy the first X-Forwarded-For address is the caller's.
    client_ip = forwarded_for.split(",")[0].strip() or (client[0] if client else "")
    return {"client_ip": client_ip, "user_agent": user_agent}


def instance_id_of(scope: Scope) -> str | None:
    """The instance the request authenticated as (auth sets it), None for public or refused requests."""
    instance = scope.get("state", {}).get("instance")
    return instance.id if instance is not None else None


class HttpMiddleware(ABC):
    """A pure ASGI middleware for HTTP requests (`handle`); anything else (lifespan) passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None: ...


class TracingMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        current = new_trace_id()
        token = _trace_id.set(current)
        request_token = _http_request.set(_http_request_of(scope))
        started = time.perf_counter()
        status = 500

        async def send_with_trace(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"clerk-trace-id", current.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_trace)
        finally:
            if logger.isEnabledFor(logging.INFO):
                duration_ms = round((time.perf_counter() - started) * 1000, 1)
                logger.info(
                    "%s %s %d %.1fms trace=%s",
                    scope["method"],
                    scope["path"],
                    status,
                    duration_ms,
                    current,
                    extra={
                        "trace_id": current,
                        "route": route_template(scope),
                        "method": scope["method"],
                        "status": status,
                        "duration_ms": duration_ms,
                        "instance_id": instance_id_of(scope),
                    },
                )
            _trace_id.reset(token)
            _http_request.reset(request_token)
