"""Per-request trace ids, the request's origin for webhook events, and one access-log line per request.

The request guards (api/guards.py) start a Trace per request and finish it. The trace id goes
into error bodies (`clerk_trace_id`), the `Clerk-Trace-Id` response header and the log line; the
caller's IP and user agent become the `event_attributes.http_request` of events the request records.

The access line (logger `locum.access`, INFO) names the path without its query string, which may
carry tokens; its `extra` fields (trace_id, route, method, status, duration_ms, instance_id) are
what LOCUM_LOG_FORMAT=json writes beside the message.
"""

import logging
import os
import time
from contextvars import ContextVar

from starlette.types import Scope

from locum.api.route_templates import route_template

TRACE_ID_BYTES = 16
TRACE_HEADER = b"clerk-trace-id"

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


class Trace:
    """One request's trace: started by the request guards (api/guards.py) before anything else looks at
    the request, finished once it is answered."""

    __slots__ = ("_request_token", "_trace_token", "header", "id", "started")

    def __init__(self, scope: Scope) -> None:
        self.id = new_trace_id()
        self.header = (TRACE_HEADER, self.id.encode())
        self._trace_token = _trace_id.set(self.id)
        self._request_token = _http_request.set(_http_request_of(scope))
        self.started = time.perf_counter()

    def finish(self, scope: Scope, status: int) -> None:
        """Logs the access line, and leaves the request's context."""
        if logger.isEnabledFor(logging.INFO):
            duration_ms = round((time.perf_counter() - self.started) * 1000, 1)
            logger.info(
                "%s %s %d %.1fms trace=%s",
                scope["method"],
                scope["path"],
                status,
                duration_ms,
                self.id,
                extra={
                    "trace_id": self.id,
                    "route": route_template(scope),
                    "method": scope["method"],
                    "status": status,
                    "duration_ms": duration_ms,
                    "instance_id": instance_id_of(scope),
                },
            )
        _trace_id.reset(self._trace_token)
        _http_request.reset(self._request_token)
