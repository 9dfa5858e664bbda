"""What the benchmark scripts share: free ports, starting servers and waiting for them, PostgreSQL
scratch databases, worker memory, and the result rows that `--json-out` writes (run_all.py reads them).

A row, one per measured path and database (ratio = rate / baseline; a target is ">= X", "<= X", or
"report" for a figure shown without a goal):

    {"path": "GET /v1/users/{id}", "database": "sqlite", "rate": 1234.5, "unit": "req/s",
     "baseline": 2345.6, "baseline_label": "minimal FastAPI app, same bytes", "ratio": 0.526,
     "target": ">= 0.70", "met": false}
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 60
READY_POLL_SECONDS = 0.1
REPORT = "report"
KIB_PER_MIB = 1024

Row = dict[str, Any]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    """Polls `url` until it answers below 500; exits if the server dies or never answers."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early ({url})")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(READY_POLL_SECONDS)
    raise SystemExit(f"server not ready: {url}")


def locum_command(port: int, workers: int, database_url: str) -> list[str]:
    """`python -m locum serve` with this interpreter, so PYTHONPATH carries over."""
    command = [sys.executable, "-m", "locum", "serve", "--port", str(port), "--workers", str(workers)]
    return [*command, "--database-url", database_url]


def start_locum(port: int, *, workers: int, database_url: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`locum_command`'s server, ready for requests."""
    process = subprocess.Popen(
        locum_command(port, workers, database_url),
        env={**os.environ, "LOCUM_LOG_LEVEL": "warning", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_ready(f"http://{HOST}:{port}/healthz", process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=20)


def database_kind(database_url: str) -> str:
    """The `database` of a row: "sqlite" or "postgresql"."""
    return "postgresql" if database_url.startswith("postgres") else "sqlite"


def _asyncpg_url(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


def _with_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path="/" + name))


async def _execute(server_url: str, statement: str) -> None:
    connection = await asyncpg.connect(_asyncpg_url(server_url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def scratch_postgresql_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database `name` on the server of `server_url` (any database named in it serves only
    to connect), dropped afterwards even if sessions are still open; yields its URL."""
    asyncio.run(_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_execute(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(server_url, name)
    finally:
        asyncio.run(_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def worker_pids(server_pid: int) -> list[int]:
    """The processes that serve requests: uvicorn's worker children (spawned by multiprocessing, which
    also starts a resource tracker that serves nothing), or the server itself when it has none."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    workers = [int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    return workers or [server_pid]


def rss_mib(pid: int) -> float:
    """Resident memory of one process, from /proc (VmRSS is in KiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / KIB_PER_MIB
    raise ValueError(f"no VmRSS for process {pid}")


def target_met(ratio: float, target: str) -> bool:
    if target == REPORT:
        return True
    operator, bound = target.split()
    return ratio >= float(bound) if operator == ">=" else ratio <= float(bound)


def row(path: str, database: str, *, rate: float, unit: str, baseline: float, baseline_label: str, target: str) -> Row:
    ratio = rate / baseline
    return {
        "path": path,
        "database": database,
        "rate": round(rate, 3),
        "unit": unit,
        "baseline": round(baseline, 3),
        "baseline_label": baseline_label,
        "ratio": round(ratio, 3),
        "target": target,
        "met": target_met(ratio, target),
    }


def write_rows(path: Path | None, rows: list[Row]) -> None:
    if path is not None:
        path.write_text(json.dumps(rows, indent=2) + "\n")
