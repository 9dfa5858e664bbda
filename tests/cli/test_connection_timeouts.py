"""`locum serve` closes connections that never finish their headers or sit idle between requests,
with one worker and with several (LOCUM_HEADER_TIMEOUT_SECONDS, LOCUM_KEEP_ALIVE_TIMEOUT_SECONDS)."""

import http.client
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.sdk.conftest import LocumServer, start_server, stop_server

SHORT_TIMEOUT_S = 0.5
# How long a test waits for the server to close a connection before failing; shorter than uvicorn's
# own 5 s keep-alive timeout, so that a setting which is not applied shows.
CLOSE_WAIT_S = 4.0
# A slow client's pace: each byte comes well within the timeout, the headers never end.
SLOW_BYTE_INTERVAL_S = 0.1
HALF_REQUEST_HEAD = b"GET /healthz HTTP/1.1\r\nHost: locum\r\n"


@pytest.fixture(scope="module", params=["1", "2"], ids=["one-worker", "two-workers"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocumServer]:
    timeouts = {
        "LOCUM_HEADER_TIMEOUT_SECONDS": str(SHORT_TIMEOUT_S),
        "LOCUM_KEEP_ALIVE_TIMEOUT_SECONDS": str(SHORT_TIMEOUT_S),
    }
    running = start_server(
        tmp_path_factory.mktemp("timeouts"), extra_env=timeouts, extra_args=("--workers", request.param)
    )
    yield running
    stop_server(running)


def connect(server: LocumServer) -> socket.socket:
    address = urlsplit(server.origin)
    return socket.create_connection((address.hostname, address.port), timeout=CLOSE_WAIT_S)


def http_connection(server: LocumServer) -> http.client.HTTPConnection:
    address = urlsplit(server.origin)
    return http.client.HTTPConnection(address.hostname or "", address.port, timeout=CLOSE_WAIT_S)


def healthz(connection: http.client.HTTPConnection) -> http.client.HTTPResponse:
    connection.request("GET", "/healthz")
    response = connection.getresponse()
    response.read()
    return response


def closed_by_server(connection: socket.socket) -> bool:
    """Whether the server closes the connection (its next read is end-of-stream) within CLOSE_WAIT_S."""
    try:
        while True:
            data = connection.recv(65536)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_connection_that_sends_half_its_headers_is_closed(server: LocumServer) -> None:
    with connect(server) as connection:
        connection.sendall(HALF_REQUEST_HEAD)
        assert closed_by_server(connection)


def test_a_connection_that_sends_nothing_is_closed(server: LocumServer) -> None:
    with connect(server) as connection:
        assert closed_by_server(connection)


def test_headers_trickling_in_do_not_keep_the_connection_open(server: LocumServer) -> None:
    with connect(server) as connection:
        connection.settimeout(SLOW_BYTE_INTERVAL_S)
        deadline = time.monotonic() + CLOSE_WAIT_S
        connection.sendall(HALF_REQUEST_HEAD)
        closed = False
        while not closed and time.monotonic() < deadline:
            try:
                closed = connection.recv(65536) == b""
            except TimeoutError:
                connection.sendall(b"X-Slow: 1\r\n")
            except (ConnectionResetError, BrokenPipeError):
                closed = True
        assert closed


def test_an_idle_keep_alive_connection_is_closed_after_its_response(server: LocumServer) -> None:
    connection = http_connection(server)
    try:
        response = healthz(connection)
        assert response.status == 200 and not response.will_close
        assert connection.sock is not None and closed_by_server(connection.sock)
    finally:
        connection.close()


def test_requests_sent_in_time_are_answered_on_the_same_connection(server: LocumServer) -> None:
    connection = http_connection(server)
    try:
        first = healthz(connection)
        socket_used = connection.sock
        assert first.status == 200 and not first.will_close
        for _ in range(2):
            assert healthz(connection).status == 200 and connection.sock is socket_used
    finally:
        connection.close()
