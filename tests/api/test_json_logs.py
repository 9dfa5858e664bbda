"""LOCUM_LOG_FORMAT=json: everything `locum serve` logs is one JSON object a line, and each request
has an access line with its trace id, route template, method, status, duration and instance.

The start-up banner, for the person at a terminal, carries the secret keys: with JSON logs the
server logs one line without them instead (`locum keys` prints them).
"""

import asyncio
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from locum.app import prepare_database
from locum.db.engine import create_engine
from locum.instances.master_key import open_sealer
from locum.instances.service import InstanceKeys
from locum.logs import JsonFormatter
from locum.settings import Settings
from tests.sdk.conftest import LocumServer, own_database_url, start_server, stop_server

LINE_FIELDS = {"time", "level", "logger", "message"}
ACCESS_FIELDS = {"trace_id", "route", "method", "status", "duration_ms", "instance_id"}
# Sent in a query string: the access line names the path only.
QUERY_TOKEN = "query-token-never-logged"


async def _prepare(settings: Settings) -> InstanceKeys:
    engine = create_engine(settings)
    try:
        return await prepare_database(engine, settings, sealer=await open_sealer(engine, settings))
    finally:
        await engine.dispose()


@pytest.fixture
def prepared(tmp_path: Path) -> tuple[Path, str, InstanceKeys]:
    """(data dir, database URL, the default instance's keys) of a migrated database."""
    database_url = own_database_url(tmp_path)
    keys = asyncio.run(_prepare(Settings(database_url=database_url, data_dir=tmp_path)))
    return tmp_path, database_url, keys


@pytest.fixture
def json_server(prepared: tuple[Path, str, InstanceKeys]) -> Iterator[LocumServer]:
    data_dir, database_url, _ = prepared
    environment = {
        "LOCUM_LOG_FORMAT": "json",
        "LOCUM_DATABASE_URL": database_url,
    }
    server = start_server(data_dir, extra_env=environment)
    yield server
    stop_server(server)


def logged_lines(server: LocumServer) -> list[dict[str, Any]]:
    stop_server(server)
    lines = [line for line in server.log.read_text().splitlines() if line.strip()]
    assert lines
    return [json.loads(line) for line in lines]


class TestJsonLogs:
    def test_every_line_is_a_json_object_and_requests_have_access_fields(
        self, json_server: LocumServer, prepared: tuple[Path, str, InstanceKeys]
    ) -> None:
        _, _, keys = prepared
        headers = {"Authorization": f"Bearer {json_server.secret_key}"}
        listed = httpx.get(f"{json_server.api_url}/users", params={"email_address": QUERY_TOKEN}, headers=headers)
        missing = httpx.get(f"{json_server.origin}/no/such/path")
        assert (listed.status_code, missing.status_code) == (200, 404)

        lines = logged_lines(json_server)
        assert all(line.keys() >= LINE_FIELDS for line in lines)
        assert not any("\x1b" in str(line) for line in lines), "terminal colour codes in a JSON log"
        access = {line["trace_id"]: line for line in lines if line["logger"] == "locum.access"}
        assert all(line.keys() >= ACCESS_FIELDS for line in access.values())
        listed_line = access[listed.headers["clerk-trace-id"]]
        assert {field: listed_line[field] for field in ("route", "method", "status", "instance_id")} == {
            "route": "/v1/users",
            "method": "GET",
            "status": 200,
            "instance_id": keys.instance_id,
        }
        assert isinstance(listed_line["duration_ms"], float)
        missing_line = access[missing.headers["clerk-trace-id"]]
        assert (missing_line["route"], missing_line["status"], missing_line["instance_id"]) == ("unmatched", 404, None)
        logged = json_server.log.read_text()
        assert QUERY_TOKEN not in logged
        assert json_server.secret_key not in logged
        assert any(line["message"].startswith("locum is serving Clerk's Backend API") for line in lines)


class TestJsonFormatter:
    def test_a_traceback_is_one_field_of_the_line(self) -> None:
        try:
            raise ValueError("boom")
        except ValueError:
            record = logging.LogRecord("locum", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info())
        [line] = JsonFormatter().format(record).splitlines()
        parsed = json.loads(line)
        assert (parsed["level"], parsed["logger"], parsed["message"]) == ("ERROR", "locum", "failed here")
        assert parsed["exception"].endswith("ValueError: boom")
