"""Per-request trace ids and the one access-log line per request.

A pure ASGI middleware (Starlette's BaseHTTPMiddleware costs a task per request). The trace id goes
into error bodies (`clerk_trace_id`), the `Clerk-Trace-Id` response header and the log line.
"""

import logging
import os
import time
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TRACE_ID_BYTES = 16

logger = logging.getLogger("locum.access")
_trace_id: ContextVar[str] = ContextVar("locum_trace_id", default="")


def new_trace_id() -> str:
    return os.urandom(TRACE_ID_BYTES).hex()


def trace_id() -> str:
    return _trace_id.get() or new_trace_id()


class TracingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        current = new_trace_id()
        token = _trace_id.set(current)
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
                logger.info(
                    "%s %s %d %.1fms trace=%s",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                    current,
                )
            _trace_id.reset(token)
