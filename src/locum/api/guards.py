"""RequestGuards: the one ASGI layer between the server and the router, doing locum's per-request work
in order (each step's rules live in its own module):

1. tracing (api/tracing.py): a trace id for the request, its `Clerk-Trace-Id` header, the access line;
2. instance auth and API version (api/auth.py), then rate limits (api/rate_limits.py) when on;
3. the request target check: a NUL character in the path or query string is refused with a 400 before
   any route sees it; PostgreSQL cannot hold one in a text value, SQLite can, and both must answer alike;
4. routing, with the app's exception handlers answering what a route or the router raises (what
   Starlette's ExceptionMiddleware does), and the AsyncExitStack FastAPI's routes expect in the scope;
5. unhandled errors: a bug (any exception no handler answered) still gets Clerk's envelope with
   status 500, is logged once with its trace id, and leaves the keep-alive connection usable.
   Starlette's own error middleware re-raises after answering, and uvicorn then drops the connection
   without a `Connection: close`, so the client's next request on it fails;
6. metrics (api/metrics.py) when on, for every request, refused ones included.

LocumApp builds its middleware stack as this layer alone: one `send` wrapper per request instead of
one per middleware, and none of the framework's outer layers, which locum does not use (native
OpenTelemetry telemetry, the app-wide body size limit: api/routing.py bounds bodies; the server error
middleware: step 5 answers first).
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from inspect import isawaitable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from locum.api.auth import authenticate_request
from locum.api.errors import ClerkError, malformed_request_parameters, unhandled_error
from locum.api.route_index import include_every_router
from locum.api.tracing import Trace
from locum.settings import RATE_LIMITS_CLERK, Settings

if TYPE_CHECKING:
    from locum.api.rate_limits import RateLimiter

logger = logging.getLogger("locum.errors")

ENCODED_NUL = b"%00"
# Where Starlette's routes look up the app's exception handlers, and FastAPI's routes an exit stack.
EXCEPTION_HANDLERS_KEY = "starlette.exception_handlers"
EXIT_STACK_KEY = "fastapi_middleware_astack"
# The status logged and counted for a request that ends without a response.
NO_RESPONSE_STATUS = 500

NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "auto_configure": False}

ExceptionHandler = Callable[[Request, Any], Response | Awaitable[Response]]


def request_target_refusal(scope: Scope) -> ClerkError | None:
    query: bytes = scope.get("query_string", b"")
    if "\x00" in scope["path"] or b"\x00" in query or ENCODED_NUL in query.upper():
        return malformed_request_parameters("The request path and query must not contain NUL characters.")
    return None


class RequestGuards:
    def __init__(self, app: ASGIApp, settings: Settings, exception_handlers: Mapping[Any, ExceptionHandler]) -> None:
        self.app = app
        self._rate_limiter: RateLimiter | None = None
        if settings.rate_limits == RATE_LIMITS_CLERK:
            # Imported only when on: its rules' patterns and types are no part of a start without limits.
            from locum.api import rate_limits

            self._rate_limiter = rate_limits.RateLimiter()
        self._record_request: Callable[[Scope, int, float], None] | None = None
        if settings.metrics:
            # Imported only when on: prometheus_client is no part of a start without metrics.
            from locum.api.metrics import record_request

            self._record_request = record_request
        self._status_handlers = {key: handler for key, handler in exception_handlers.items() if isinstance(key, int)}
        self._handlers = {key: handler for key, handler in exception_handlers.items() if not isinstance(key, int)}
        self._scope_handlers = (self._handlers, self._status_handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return
        trace = Trace(scope)
        status = 0  # the response's, once started

        async def send_traced(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), trace.header]
            await send(message)

        try:
            refusal = await self._refusal(scope)
            if refusal is not None:
                await refusal.response()(scope, receive, send_traced)
                return
            try:
                await self._route(scope, receive, send_traced)
            except Exception as exc:
                handler = self._handler_for(exc)
                if handler is None:
                    raise
                if status:
                    raise RuntimeError("Caught handled exception, but response already started.") from exc
                response = handler(Request(scope, receive), exc)
                if isawaitable(response):
                    response = await response
                await response(scope, receive, send_traced)
                # A cycle (the exception, its traceback, this frame) left for the garbage collector otherwise.
                exc.__traceback__ = None
        except Exception:
            logger.exception("unhandled error in %s %s trace=%s", scope["method"], scope["path"], trace.id)
            if status:
                # Half a response cannot be repaired; the server closes the connection.
                raise
            await unhandled_error().response()(scope, receive, send_traced)
        finally:
            if self._record_request is not None:
                self._record_request(scope, status or NO_RESPONSE_STATUS, trace.started)
            trace.finish(scope, status or NO_RESPONSE_STATUS)

    async def _refusal(self, scope: Scope) -> ClerkError | None:
        """Why the request is answered without routing, if it is."""
        refusal = await authenticate_request(scope)
        if refusal is None and self._rate_limiter is not None:
            refusal = self._rate_limiter.refusal(scope)
        return refusal or request_target_refusal(scope)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[EXCEPTION_HANDLERS_KEY] = self._scope_handlers
        async with AsyncExitStack() as stack:
            scope[EXIT_STACK_KEY] = stack
            await self.app(scope, receive, send)

    def _handler_for(self, exc: Exception) -> ExceptionHandler | None:
        """The handler Starlette would pick: by status code for an HTTPException, else by class."""
        if isinstance(exc, HTTPException) and exc.status_code in self._status_handlers:
            return self._status_handlers[exc.status_code]
        return next((self._handlers[cls] for cls in type(exc).__mro__ if cls in self._handlers), None)


class LocumApp(FastAPI):
    """FastAPI whose middleware stack is RequestGuards around the router (and around any middleware
    added with add_middleware); app.state.settings must be set before the first request.

    FastAPI's native telemetry is off: it asks OpenTelemetry's global providers (and the environment)
    on every request whether one is configured, and locum installs no OpenTelemetry SDK to configure.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(telemetry=NO_TELEMETRY, **options)

    def build_middleware_stack(self) -> ASGIApp:
        app: ASGIApp = self.router
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return RequestGuards(app, self.state.settings, self.exception_handlers)

    def openapi(self) -> dict[str, Any]:
        # Resource routers are included on demand (api/route_index.py); the schema lists them all.
        include_every_router(self)
        return super().openapi()
