"""Pure ASGI middlewares that guard every request around routing.

UnhandledErrorMiddleware: a bug (any exception no handler answered) still gets Clerk's envelope with
status 500, is logged once with its trace id, and leaves the keep-alive connection usable. Starlette's
own error middleware re-raises after answering, and uvicorn then drops the connection without a
`Connection: close`, so the client's next request on it fails.

RequestTargetMiddleware: a NUL character in the path or query string is refused with a 400 before any
route sees it; PostgreSQL cannot hold one in a text value, SQLite can, and both must answer alike.
"""

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from locum.api.errors import malformed_request_parameters, unhandled_error
from locum.api.tracing import HttpMiddleware, trace_id

logger = logging.getLogger("locum.errors")

ENCODED_NUL = b"%00"


class UnhandledErrorMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logger.exception("unhandled error in %s %s trace=%s", scope["method"], scope["path"], trace_id())
            if response_started:
                # Half a response cannot be repaired; the server closes the connection.
                raise
            await unhandled_error().response()(scope, receive, send)


def _has_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"\x00" in query or ENCODED_NUL in query.upper()


class RequestTargetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            error = malformed_request_parameters("The request path and query must not contain NUL characters.")
            await error.response()(scope, receive, send)
            return
        await self.app(scope, receive, send)
