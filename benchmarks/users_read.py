"""Read throughput of locum's user endpoints against the framework's ceiling, in one run, and the
memory of locum's workers.

Seeds 10,000 users with `locum import-clerk-users` from a generated Clerk export (tests/clerk_csv.py)
before the server starts, then starts `locum serve` and a minimal FastAPI app sending the same bytes as
locum's answer for one user (benchmarks/ceiling_app.py), with the same uvicorn worker count. Each round
drives the ceiling, `GET /v1/users/{id}` and `GET /v1/users?email_address=…` in turn, with wrk (Debian
package `wrk`; one thread) when it is installed, else with benchmarks/loadgen.py (slower: it caps the
ceiling); a path's rate is its median over the rounds. Memory is the VmRSS of each locum worker at idle
after start and after the load. Last, with the servers stopped, both applications are called in this
process for the same reads (ASGI calls with prepared scopes, 16 at a time: no socket, no HTTP parsing),
in turn in each round, and the CPU time of this process per call is the cost of locum's own code
against the framework's: steadier than the HTTP figures on a busy machine, as other processes' load
does not count in it (on PostgreSQL, neither does the database server's work).

    python benchmarks/users_read.py      # --workers 2 --seconds 5 --rounds 3 --connections 32
                                         # --database-url postgresql://… --json-out rows.json
"""

import argparse
import asyncio
import csv
import itertools
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from ceiling_app import create_ceiling_app
from common import (
    HOST,
    REPORT,
    Row,
    database_kind,
    free_port,
    row,
    rss_mib,
    start_locum,
    stop,
    wait_ready,
    worker_pids,
    write_rows,
)
from loadgen import run_load
from starlette.types import ASGIApp, Message

from locum.app import create_app
from locum.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.clerk_csv import generate

USERS = 10_000
SAMPLED_USERS = 2000
SECRET_KEY = "sk_test_" + "b" * 42
GET_PATH = "GET /v1/users/{id}"
LIST_PATH = "GET /v1/users?email_address=…"
CEILING_LABEL = "minimal FastAPI app, same bytes"
IN_PROCESS_PATH = "GET /v1/users/{id}, in-process ASGI call, CPU"
IN_PROCESS_CALLS = 2000
IN_PROCESS_CONCURRENCY = 16
# Load on each server and path before the timed rounds.
WARMUP_SECONDS = 2
# Calls before the timed rounds: caches, lazily built routes and the database connections warm up.
IN_PROCESS_WARM_UP_CALLS = 200
GET_TARGETS = {"sqlite": ">= 0.70", "postgresql": ">= 0.50"}
# A lookup by email may cost at most twice a primary-key read.
LIST_TARGET = ">= 0.50"
# Idle means every worker's RSS has stopped moving for a while: a worker still importing keeps growing,
# though on a busy machine it may stall for a moment.
RSS_SETTLE_INTERVAL_SECONDS = 0.5
RSS_SETTLE_POLLS = 4
RSS_SETTLE_MIB = 1.0
RSS_SETTLE_TIMEOUT_SECONDS = 60


def seed_users(directory: Path, database_url: str, env: dict[str, str]) -> tuple[list[str], list[str]]:
    """Imports USERS users into the default instance; returns their ids and primary emails."""
    export = generate(directory / "users.csv", USERS)
    subprocess.run(
        [sys.executable, "-m", "locum", "import-clerk-users", str(export), "--database-url", database_url],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with export.open(newline="", encoding="utf-8") as file:
        users = [(cells["id"], cells["primary_email_address"]) for cells in csv.DictReader(file)]
    return [user_id for user_id, _ in users], [email for _, email in users]


def start_ceiling(port: int, workers: int, document_file: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "ceiling_app:app",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=Path(__file__).parent,
        env={**os.environ, "CEILING_DOCUMENT_FILE": str(document_file)},
    )
    wait_ready(f"http://{HOST}:{port}/v1/users/x", process)
    return process


def settled_rss(pids: list[int]) -> list[float]:
    """Each process's RSS in MiB, once no reading has moved by more than RSS_SETTLE_MIB for
    RSS_SETTLE_POLLS polls in a row."""
    previous = [rss_mib(pid) for pid in pids]
    steady = 0
    deadline = time.monotonic() + RSS_SETTLE_TIMEOUT_SECONDS
    while steady < RSS_SETTLE_POLLS and time.monotonic() < deadline:
        time.sleep(RSS_SETTLE_INTERVAL_SECONDS)
        current = [rss_mib(pid) for pid in pids]
        moved = any(abs(now - before) > RSS_SETTLE_MIB for now, before in zip(current, previous, strict=True))
        steady = 0 if moved else steady + 1
        previous = current
    return previous


def measure_with_wrk(
    port: int, paths: list[str], headers: dict[str, str], seconds: float, connections: int
) -> tuple[int, float, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        listing.write("\n".join(paths))
        listing.flush()
        env = {**os.environ, "WRK_PATHS": listing.name, "WRK_AUTH": headers.get("Authorization", "")}
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "-s",
                str(Path(__file__).parent / "wrk_paths.lua"),
                f"http://{HOST}:{port}",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    requests, duration_us, errors = (int(v) for v in output.split("WRK_RESULT")[1].split())
    return requests, duration_us / 1e6, errors


def load(
    port: int, paths: list[str], headers: dict[str, str], seconds: float, connections: int
) -> tuple[int, float, int]:
    """(requests, seconds, failed or non-2xx) of `connections` clients requesting `paths` for `seconds`."""
    if shutil.which("wrk"):
        return measure_with_wrk(port, paths, headers, seconds, connections)
    result = asyncio.run(run_load(HOST, port, paths, headers, seconds=seconds, connections=connections))
    return result.requests, result.seconds, result.non_2xx


def measure(name: str, port: int, paths: list[str], headers: dict[str, str], seconds: float, connections: int) -> float:
    requests, elapsed, errors = load(port, paths, headers, seconds, connections)
    if errors:
        raise SystemExit(f"{name}: {errors} failed or non-2xx responses")
    print(f"{name:<44} {requests / elapsed:>9,.0f} req/s  ({requests} requests)")
    return requests / elapsed


async def asgi_call(app: ASGIApp, scope: dict[str, object]) -> int:
    """The response status of one request without a body, as a server would drive it."""
    requested = False
    complete = asyncio.Event()
    status = 0

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            complete.set()

    await app(scope, receive, send)
    return status


def get_scope(path: str, headers: dict[str, str]) -> dict[str, object]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", HOST.encode()), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
        "client": (HOST, 50000),
        "server": (HOST, 80),
    }


async def microseconds_per_call(app: ASGIApp, paths: list[str], headers: dict[str, str], calls: int) -> float:
    """CPU time of this process (its threads included: aiosqlite's) per call, IN_PROCESS_CONCURRENCY
    calls in flight on this event loop, as a server worker has them."""
    scopes = iter([get_scope(path, headers) for path in itertools.islice(itertools.cycle(paths), calls)])

    async def caller() -> None:
        for scope in scopes:
            if (status := await asgi_call(app, scope)) != 200:
                raise SystemExit(f"in-process {scope['path']}: status {status}")

    started = time.process_time()
    await asyncio.gather(*(caller() for _ in range(IN_PROCESS_CONCURRENCY)))
    return (time.process_time() - started) / calls * 1e6


async def measure_in_process(
    settings: Settings, paths: list[str], headers: dict[str, str], document: bytes, rounds: int
) -> tuple[float, float]:
    """Median CPU µs per call of locum's app and of the ceiling app, alternating by round."""
    locum = create_app(settings)
    ceiling = create_ceiling_app(document)
    costs: dict[str, list[float]] = {"locum": [], "ceiling": []}
    async with locum.router.lifespan_context(locum):
        await microseconds_per_call(locum, paths, headers, IN_PROCESS_WARM_UP_CALLS)
        await microseconds_per_call(ceiling, paths, {}, IN_PROCESS_WARM_UP_CALLS)
        for _ in range(rounds):
            costs["ceiling"].append(await microseconds_per_call(ceiling, paths, {}, IN_PROCESS_CALLS))
            costs["locum"].append(await microseconds_per_call(locum, paths, headers, IN_PROCESS_CALLS))
    for name in ("ceiling", "locum"):
        print(f"in-process {name:<33} {statistics.median(costs[name]):>9,.0f} CPU µs/call ({rounds} rounds)")
    return statistics.median(costs["locum"]), statistics.median(costs["ceiling"])


def memory_rows(database: str, idle: list[float], loaded: list[float]) -> list[Row]:
    return [
        row(
            f"RSS of locum worker {number} of {len(idle)}, after the load",
            database,
            rate=after,
            unit="MiB",
            baseline=before,
            baseline_label="the same worker at idle after start",
            target=REPORT,
        )
        for number, (before, after) in enumerate(zip(idle, loaded, strict=True), start=1)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5, help="per path and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--json-out", type=Path, default=None, help="also write the result rows there (JSON)")
    args = parser.parse_args()

    auth = {"Authorization": f"Bearer {SECRET_KEY}"}
    rates: dict[str, list[float]] = {"ceiling": [], "get": [], "list": []}
    with tempfile.TemporaryDirectory() as data_dir:
        directory = Path(data_dir)
        database_url = args.database_url or f"sqlite:///{directory}/bench.db"
        database = database_kind(database_url)
        env = {"LOCUM_SECRET_KEY": SECRET_KEY, "LOCUM_DATA_DIR": data_dir}
        started = time.perf_counter()
        ids, emails = seed_users(directory, database_url, env)
        print(f"seeded {len(ids)} users in {time.perf_counter() - started:.1f}s (import-clerk-users, {database})")

        sample = random.Random(7)
        by_id = [f"/v1/users/{user_id}" for user_id in sample.sample(ids, SAMPLED_USERS)]
        by_email = [f"/v1/users?email_address={email}" for email in sample.sample(emails, SAMPLED_USERS)]
        locum_port, ceiling_port = free_port(), free_port()
        locum = start_locum(locum_port, workers=args.workers, database_url=database_url, env=env)
        try:
            workers = worker_pids(locum.pid)
            idle = settled_rss(workers)
            document = httpx.get(f"http://{HOST}:{locum_port}{by_id[0]}", headers=auth).raise_for_status()
            document_file = directory / "document.json"
            document_file.write_bytes(document.content)
            ceiling = start_ceiling(ceiling_port, args.workers, document_file)
            try:
                # Untimed, errors ignored: every worker's first requests (routes built, the instance
                # loaded) can outlast wrk's 2 s timeout on a busy machine, and one request warms one worker.
                for port, paths, headers in (
                    (ceiling_port, by_id, {}),
                    (locum_port, by_id, auth),
                    (locum_port, by_email, auth),
                ):
                    load(port, paths, headers, WARMUP_SECONDS, args.connections)
                for _ in range(args.rounds):
                    rates["ceiling"].append(
                        measure("ceiling: FastAPI, same bytes", ceiling_port, by_id, {}, args.seconds, args.connections)
                    )
                    rates["get"].append(
                        measure(f"locum {GET_PATH}", locum_port, by_id, auth, args.seconds, args.connections)
                    )
                    rates["list"].append(
                        measure(f"locum {LIST_PATH}", locum_port, by_email, auth, args.seconds, args.connections)
                    )
            finally:
                stop(ceiling)
            loaded = [rss_mib(pid) for pid in workers]
        finally:
            stop(locum)
        settings = Settings(
            database_url=database_url,
            data_dir=directory,
            secret_key=SECRET_KEY,
            log_level="warning",
            # Prepared by the import and the server already; preparing prints the banner again.
            prepare_database=False,
            deliver_in_serve=False,
        )
        locum_us, ceiling_us = asyncio.run(measure_in_process(settings, by_id, auth, document.content, args.rounds))

    ceiling_rps, get_rps, list_rps = (statistics.median(rates[name]) for name in ("ceiling", "get", "list"))
    rows = [
        row(
            GET_PATH,
            database,
            rate=get_rps,
            unit="req/s",
            baseline=ceiling_rps,
            baseline_label=CEILING_LABEL,
            target=GET_TARGETS[database],
        ),
        row(
            LIST_PATH,
            database,
            rate=list_rps,
            unit="req/s",
            baseline=get_rps,
            baseline_label=f"{GET_PATH}, same run",
            target=LIST_TARGET,
        ),
        row(
            IN_PROCESS_PATH,
            database,
            rate=1e6 / locum_us,
            unit="calls/CPU-s",
            baseline=1e6 / ceiling_us,
            baseline_label="the ceiling app, same call",
            target=REPORT,
        ),
        *memory_rows(database, idle, loaded),
    ]
    print(
        f"{GET_PATH}: {get_rps / ceiling_rps:.0%} of the ceiling (target {GET_TARGETS[database]}; "
        f"medians of {args.rounds} rounds, {args.workers} workers, {database})"
    )
    print(f"list by email costs {get_rps / list_rps:.2f}x a primary-key read (target <= 2x)")
    print(f"in-process, a read costs {locum_us / ceiling_us:.2f}x the ceiling's CPU (+{locum_us - ceiling_us:,.0f} µs)")
    print("memory, VmRSS per locum worker: idle after start -> after the load")
    for number, (before, after) in enumerate(zip(idle, loaded, strict=True), start=1):
        print(f"  worker {number}: {before:.1f} MiB -> {after:.1f} MiB")
    write_rows(args.json_out, rows)


if __name__ == "__main__":
    main()
