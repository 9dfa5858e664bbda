"""uvicorn's HTTP/1.1 protocol (httptools) with a deadline for each request's headers.

uvicorn closes a connection left idle after a response (`timeout_keep_alive`), but has no timer
before the first request or while headers arrive: a connection that never finishes its headers
stays open forever, and a client sending one byte now and then holds it as long as it likes.
Here every request must complete its headers within `header_timeout_seconds` of its first byte
(of the connection, for the first request); data arriving meanwhile does not move the deadline.

With several workers each process imports this module while it unpickles its uvicorn config,
before it can answer the supervisor's health check (5 s): it must stay light, importing nothing
of locum's.
"""

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HeaderTimeoutProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, header_timeout_seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_seconds = header_timeout_seconds
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_header_deadline()

    def on_headers_complete(self) -> None:
        self._cancel_header_deadline()
        super().on_headers_complete()

    def _start_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout_seconds, self._headers_too_late)

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_late(self) -> None:
        self._header_deadline = None
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined request is late while the one before it is answered: close after that answer.
            self.cycle.keep_alive = False
        elif not self.transport.is_closing():
            self.transport.close()
