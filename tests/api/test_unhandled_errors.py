"""A bug still answers Clerk's envelope with status 500, is logged with its trace id, and leaves the
keep-alive connection usable (served by a real uvicorn server, since only a real server has connections)."""

import asyncio
import logging
from collections.abc import AsyncIterator

import orjson
import pytest
import uvicorn
from fastapi import FastAPI

from locum.app import create_app
from locum.settings import Settings
from tests.builders import free_port


@pytest.fixture
async def buggy_server(settings: Settings) -> AsyncIterator[int]:
    """locum with one extra route that fails the way a bug does; yields its port."""
    app: FastAPI = create_app(settings)

    @app.get("/bug")
    async def bug() -> None:
        raise RuntimeError("a bug")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield port
    server.should_exit = True
    await serving


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines if line)
    headers = {name.lower(): value for name, value in headers.items()}
    body = await reader.readexactly(int(headers["content-length"]))
    return int(status_line.split()[1]), headers, body


class TestUnhandledErrors:
    async def test_a_bug_answers_500_in_clerks_envelope_and_keeps_the_connection(
        self, buggy_server: int, caplog: pytest.LogCaptureFixture
    ) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", buggy_server)
        try:
            with caplog.at_level(logging.ERROR, logger="locum.errors"):
                writer.write(b"GET /bug HTTP/1.1\r\nHost: locum\r\n\r\n")
                status, headers, body = await read_response(reader)
            assert status == 500
            assert headers["content-type"] == "application/json"
            assert "connection" not in headers
            envelope = orjson.loads(body)
            assert envelope["errors"][0]["code"] == "internal_clerk_error"
            trace = envelope["clerk_trace_id"]
            logged = [record for record in caplog.records if trace in record.getMessage()]
            assert len(logged) == 1 and logged[0].exc_info is not None

            writer.write(b"GET /healthz HTTP/1.1\r\nHost: locum\r\n\r\n")
            status, _, body = await read_response(reader)
            assert (status, body) == (200, b'{"status":"ok"}')
        finally:
            writer.close()
