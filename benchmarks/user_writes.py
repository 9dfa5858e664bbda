"""Write throughput of `POST /v1/users` and `PATCH /v1/users/{id}` against `GET /v1/users/{id}`, in one run.

1. In-process: microseconds per request through the ASGI app (one client, no HTTP server) and the SQL
   statements each write runs, for a create (email only, no password), a patch (first_name) and a
   read; steady even on a busy machine. On SQLite also the time each write holds SQLite's one write
   lock on its connection's thread (its statements and its commit): no number of workers writes
   faster than one write per that time, so its inverse bounds the write rate whatever the Python
   around it costs (reported against the read's rate as the best ratio the database allows).
2. End to end: `locum serve --workers 2` on a SQLite file (or the URL given) with USERS users created
   first; wrk (Debian package `wrk`, one thread, benchmarks/wrk_writes.lua) POSTs a distinct email per
   request, PATCHes first_name over the users, and GETs them, each with CONNECTIONS clients and then
   with one client (the median latency). Targets: each write at 25% or more of the read's requests/s.
"""

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from common import HOST, REPORT, database_kind, free_port, row, start_locum, stop, write_rows
from sqlalchemy import event

from locum.app import create_app
from locum.db import sqlite_driver
from locum.settings import Settings

SECRET_KEY = "sk_test_" + "w" * 42
USERS = 1_000
SEED_CONCURRENCY = 16
IN_PROCESS_USERS = 50
IN_PROCESS_CALLS = 300
TARGET = ">= 0.25"
LATENCY_SECONDS = 5
WRK_TIMEOUT_SECONDS = 10
WRK_SCRIPT = Path(__file__).parent / "wrk_writes.lua"
WRITES = ("POST /v1/users", "PATCH /v1/users/{id}")


@dataclass
class InProcessCost:
    """One request kind's cost in-process: microseconds per request, SQL statements on the write
    engine, and (SQLite) microseconds the write lock was held on the connection's thread."""

    micros: float
    statements: int
    locked_micros: float


@dataclass
class Operation:
    """One measured request kind: its method, the paths it cycles through, and its body template
    ("{n}" becomes a counter)."""

    name: str
    method: str
    paths: list[str]
    body: str | None


def operations(user_ids: list[str], run: str) -> list[Operation]:
    by_id = [f"/v1/users/{user_id}" for user_id in user_ids]
    return [
        Operation("GET /v1/users/{id}", "GET", by_id, None),
        Operation("POST /v1/users", "POST", ["/v1/users"], f'{{"email_address":["write-{run}-{{n}}@example.com"]}}'),
        Operation("PATCH /v1/users/{id}", "PATCH", by_id, '{"first_name":"Name {n}"}'),
    ]


# -- in-process -------------------------------------------------------------------------------------


async def _in_process(database_url: str, data_dir: str) -> dict[str, InProcessCost]:
    """name -> its cost per request."""
    settings = Settings(
        database_url=database_url, data_dir=data_dir, secret_key=SECRET_KEY, deliver_in_serve=False, log_level="warning"
    )
    app = create_app(settings)
    results: dict[str, InProcessCost] = {}
    async with app.router.lifespan_context(app):
        executed: list[str] = []
        locked_seconds = [0.0]
        event.listen(app.state.engine.sync_engine, "before_cursor_execute", lambda *args: executed.append(args[2]))
        # On SQLite the statements of a write go to the driver in one trip (db/constraints.insert_all,
        # update_rows), its BEGIN IMMEDIATE (after the writer lock) with the first, and its commit in a
        # trip of its own: the time of the two on the connection's thread is the lock's.
        run_each, end_transaction = sqlite_driver._run_each, sqlite_driver._end_transaction

        def counted_run_each(connection: Any, begin: Any, lock: Any, statements: list[tuple[str, Any, bool]]) -> Any:
            executed.extend(sql for sql, _, _ in statements)
            started = time.perf_counter()
            try:
                return run_each(connection, begin, lock, statements)
            finally:
                locked_seconds[0] += time.perf_counter() - started

        def timed_end_transaction(connection: Any, end: Any, lock: Any) -> None:
            # A reader's connection ends its transactions here too, without the writer lock.
            started, writing = time.perf_counter(), lock is not None and lock.held
            try:
                end_transaction(connection, end, lock)
            finally:
                if writing:
                    locked_seconds[0] += time.perf_counter() - started

        sqlite_driver._run_each = counted_run_each
        sqlite_driver._end_transaction = timed_end_transaction
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {SECRET_KEY}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://locum", headers=headers) as client:
            run = uuid.uuid4().hex[:8]
            user_ids = []
            for index in range(IN_PROCESS_USERS):
                response = await client.post("/v1/users", json={"email_address": [f"in-{run}-{index}@example.com"]})
                response.raise_for_status()
                user_ids.append(response.json()["id"])
            for operation in operations(user_ids, f"{run}-timed"):
                send = _sender(client, operation)
                await send(0)
                executed.clear()
                await send(1)
                statements = len(executed)
                locked_seconds[0] = 0.0
                started = time.perf_counter()
                for number in range(2, IN_PROCESS_CALLS + 2):
                    await send(number)
                results[operation.name] = InProcessCost(
                    (time.perf_counter() - started) / IN_PROCESS_CALLS * 1e6,
                    statements,
                    locked_seconds[0] / IN_PROCESS_CALLS * 1e6,
                )
    return results


def _sender(client: httpx.AsyncClient, operation: Operation) -> Callable[[int], Awaitable[None]]:
    async def send(number: int) -> None:
        path = operation.paths[number % len(operation.paths)]
        content = operation.body.replace("{n}", str(number)) if operation.body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else {}
        response = await client.request(operation.method, path, content=content, headers=headers)
        response.raise_for_status()

    return send


# -- end to end -------------------------------------------------------------------------------------


async def seed_users(api_url: str, count: int, run: str) -> list[str]:
    ids: list[str] = []
    queue = iter(range(count))
    headers = {"Authorization": f"Bearer {SECRET_KEY}"}
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=60) as client:

        async def worker() -> None:
            for index in queue:
                response = await client.post("/users", json={"email_address": [f"seed-{run}-{index}@example.com"]})
                response.raise_for_status()
                ids.append(response.json()["id"])

        await asyncio.gather(*(worker() for _ in range(SEED_CONCURRENCY)))
    return ids


@dataclass
class WrkResult:
    rate: float
    median_ms: float


def run_wrk(port: int, operation: Operation, seconds: float, connections: int) -> WrkResult:
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        listing.write("\n".join(operation.paths))
        listing.flush()
        env = {
            **os.environ,
            "WRK_PATHS": listing.name,
            "WRK_METHOD": operation.method,
            "WRK_BODY": operation.body or "",
            "WRK_AUTH": f"Bearer {SECRET_KEY}",
        }
        command = ["wrk", "-t1", f"-c{connections}", f"-d{round(seconds)}s", f"--timeout={WRK_TIMEOUT_SECONDS}s"]
        output = subprocess.run(
            [*command, "-s", str(WRK_SCRIPT), f"http://{HOST}:{port}"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    requests, duration_us, non_2xx, failed, median_us = (int(v) for v in output.split("WRK_RESULT")[1].split())
    if non_2xx:
        raise SystemExit(f"{operation.name}: {non_2xx} non-2xx responses")
    if failed:
        print(f"{operation.name}: {failed} requests timed out (over {WRK_TIMEOUT_SECONDS} s) or failed")
    return WrkResult(requests / (duration_us / 1e6), median_us / 1000)


def _rows(rates: dict[str, float], database: str, costs: dict[str, InProcessCost]) -> list[dict[str, Any]]:
    baseline = rates["GET /v1/users/{id}"]
    baseline_label = "GET /v1/users/{id}, same server and run"
    rows = [
        row(
            name,
            database,
            rate=rates[name],
            unit="req/s",
            baseline=baseline,
            baseline_label=baseline_label,
            target=TARGET,
        )
        for name in WRITES
    ]
    rows += [
        row(
            f"{name}: SQLite's bound (one write per time its write lock is held)",
            database,
            rate=1e6 / costs[name].locked_micros,
            unit="req/s",
            baseline=baseline,
            baseline_label=baseline_label,
            target=REPORT,
        )
        for name in WRITES
        if name in costs and costs[name].locked_micros
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is required (Debian package `wrk`): loadgen.py sends no PATCH")

    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as data_dir:
        database_url = args.database_url or f"sqlite:///{data_dir}/bench.db"
        database = database_kind(database_url)
        costs: dict[str, InProcessCost] = {}
        if not args.skip_in_process:
            # The server's data directory: a database given by URL needs the master key it was sealed with.
            in_process_url = args.database_url or f"sqlite:///{data_dir}/in-process.db"
            costs = asyncio.run(_in_process(in_process_url, data_dir))
            print(f"in-process ({database}, one client, {IN_PROCESS_CALLS} calls each):")
            for name, cost in costs.items():
                locked = f"  write lock held {cost.locked_micros:,.0f} µs" if cost.locked_micros else ""
                print(
                    f"  {name:<24} {cost.micros:>8,.0f} µs/request  {cost.statements:>3} statements on the write "
                    f"engine{locked}"
                )
        port = free_port()
        env = {"LOCUM_SECRET_KEY": SECRET_KEY, "LOCUM_DATA_DIR": data_dir}
        locum = start_locum(port, workers=args.workers, database_url=database_url, env=env)
        try:
            started = time.perf_counter()
            user_ids = asyncio.run(seed_users(f"http://{HOST}:{port}/v1", args.users, run))
            print(
                f"seeded {len(user_ids)} users in {time.perf_counter() - started:.1f}s "
                f"(workers={args.workers}, {database})"
            )
            rates: dict[str, float] = {}
            latencies: dict[str, float] = {}
            # wrk numbers each run's requests from 1: each run gets its own tag, so emails stay distinct.
            for loaded, single in zip(
                operations(user_ids, f"{run}-loaded"), operations(user_ids, f"{run}-single"), strict=True
            ):
                rates[loaded.name] = run_wrk(port, loaded, args.seconds, args.connections).rate
                latencies[loaded.name] = run_wrk(port, single, LATENCY_SECONDS, 1).median_ms
                print(
                    f"{loaded.name:<24} {rates[loaded.name]:>9,.0f} req/s with {args.connections} clients; "
                    f"one client: median {latencies[loaded.name]:.2f} ms"
                )
        finally:
            stop(locum)
    rows = _rows(rates, database, costs)
    for result in rows:
        verdict = REPORT if result["target"] == REPORT else "met" if result["met"] else "NOT met"
        print(f"{result['path']}: {result['ratio']:.1%} of GET (target {result['target']}): {verdict}")
    for name in WRITES:
        print(f"{name}: one client {latencies[name] / latencies['GET /v1/users/{id}']:.1f}x a read's latency")
    write_rows(args.json_out, rows)


if __name__ == "__main__":
    main()
