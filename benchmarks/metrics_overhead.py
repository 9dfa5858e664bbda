"""The cost of LOCUM_METRICS=on (counting every request) on hot paths, measured two ways in one run.

1. In-process: the time counting one request takes (api/metrics.py's record_request, which the
   request guards call); steady even on a busy machine.
2. End to end: two `locum serve` processes (one worker each, a SQLite file each, 200 users each),
   `GET /v1/users/{id}` and `GET /healthz` (where the middleware's share is largest) loaded on each in
   turn, off and on alternately for several rounds so that drift in the machine's load hits both alike;
   the ratio of on to off.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from fastapi.routing import iter_route_contexts

from locum.api.metrics import record_request
from locum.app import create_app
from locum.settings import MEMORY_SQLITE_URL, Settings

sys.path.insert(0, str(Path(__file__).parent))
from common import HOST, free_port, wait_ready
from users_read import measure

USERS = 200
SECRET_KEY = "sk_test_" + "m" * 42
IN_PROCESS_CALLS = 50_000


def recording_cost_us() -> float:
    """Microseconds counting one request takes (what metrics add to it), in this process."""
    app = create_app(Settings(database_url=MEMORY_SQLITE_URL, metrics=True))
    [healthz] = [context.original_route for context in iter_route_contexts(app.routes) if context.path == "/healthz"]
    started = time.perf_counter()
    for _ in range(IN_PROCESS_CALLS):
        scope = {"type": "http", "method": "GET", "path": "/healthz", "app": app, "route": healthz}
        record_request(scope, 200, time.perf_counter())
    return (time.perf_counter() - started) / IN_PROCESS_CALLS * 1e6


def start(data_dir: Path, metrics: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    data_dir.mkdir()
    env = {
        **os.environ,
        "LOCUM_SECRET_KEY": SECRET_KEY,
        "LOCUM_DATA_DIR": str(data_dir),
        "LOCUM_LOG_LEVEL": "warning",
        "LOCUM_METRICS": metrics,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "locum", "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
    )
    wait_ready(f"http://{HOST}:{port}/healthz", process)
    return process, port


async def seed(port: int) -> list[str]:
    headers = {"Authorization": f"Bearer {SECRET_KEY}"}
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}/v1", headers=headers, timeout=60) as client:
        ids = []
        for index in range(USERS):
            response = await client.post("/users", json={"email_address": [f"metrics{index}@example.com"]})
            response.raise_for_status()
            ids.append(response.json()["id"])
        return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    print(f"in-process: counting a request takes {recording_cost_us():.1f} µs")
    auth = {"Authorization": f"Bearer {SECRET_KEY}"}
    with tempfile.TemporaryDirectory() as data_dir:
        servers = {metrics: start(Path(data_dir) / metrics, metrics) for metrics in ("off", "on")}
        try:
            paths = {
                metrics: [f"/v1/users/{user_id}" for user_id in asyncio.run(seed(port))]
                for metrics, (_, port) in servers.items()
            }
            ratios: dict[str, list[float]] = {"GET /v1/users/{id}": [], "GET /healthz": []}
            for round_number in range(1, args.rounds + 1):
                for name in ratios:
                    rates = {}
                    # Each round in the other order: a trend in the machine's load favours neither.
                    order = list(servers.items()) if round_number % 2 else list(reversed(servers.items()))
                    for metrics, (_, port) in order:
                        targets = paths[metrics] if name.startswith("GET /v1") else ["/healthz"]
                        label = f"round {round_number} {name} metrics={metrics}"
                        rates[metrics] = measure(label, port, targets, auth, args.seconds, args.connections)
                    ratios[name].append(rates["on"] / rates["off"])
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(timeout=20)
    for name, values in ratios.items():
        print(f"{name}: metrics on at {statistics.median(values):.1%} of metrics off (median of {len(values)} rounds)")


if __name__ == "__main__":
    main()
