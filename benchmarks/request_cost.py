"""The in-process cost of one `GET /v1/users/{id}`: CPU microseconds through locum's whole ASGI app
(middlewares, route dispatch, dependencies, the read, the response), against the minimal FastAPI
app returning a document as bytes (ceiling_app.py) called the same way, in the same run.

No server and no network: each request is a prepared ASGI scope handed to the app, so the figures
hold on a busy machine (CPU time of this process, best of ROUNDS rounds) and show what the
framework and locum's own layers cost, apart from the HTTP server's share. SQLite by default, or
the PostgreSQL database of `--database-url` (it gets a migrated schema and one user).
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp, Message

from locum.app import create_app
from locum.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ceiling_app

SECRET_KEY = "sk_test_" + "r" * 42
# Fixed, so that a PostgreSQL database used by an earlier run still unseals its keys.
MASTER_KEY = "bG9jdW0tcmVxdWVzdC1jb3N0LWtleS1ub3Qtc2VjcmU="
ROUNDS = 5
CALLS = 3000
WARM_UP_CALLS = 300
MICROSECONDS = 1e6
PATH_LABEL = "GET /v1/users/{id} in-process (CPU µs a request)"
BASELINE_LABEL = "minimal FastAPI app, called the same way"


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _scope(path: str) -> dict[str, Any]:
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
        "headers": [(b"host", b"locum.test"), (b"authorization", f"Bearer {SECRET_KEY}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("locum.test", 80),
        "state": {},
    }


async def microseconds_per_request(app: ASGIApp, path: str, calls: int) -> float:
    """CPU microseconds a request, best of ROUNDS rounds; every answer must be a 200."""
    statuses: set[int] = set()

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    for _ in range(WARM_UP_CALLS):
        await app(_scope(path), _receive, send)
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(calls):
            await app(_scope(path), _receive, send)
        best = min(best, (time.process_time() - started) / calls * MICROSECONDS)
    if statuses != {200}:
        raise SystemExit(f"{path} answered {sorted(statuses)}")
    return best


async def measure(database_url: str, data_dir: str, calls: int) -> tuple[float, float]:
    settings = Settings(
        database_url=database_url,
        data_dir=Path(data_dir),
        secret_key=SECRET_KEY,
        master_key=MASTER_KEY,
        log_level="warning",
    )
    app = create_app(settings.model_copy(update={"deliver_in_serve": False}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {SECRET_KEY}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://locum.test", headers=headers) as client:
            email = f"request-cost-{os.getpid()}@example.com"
            response = await client.post("/v1/users", json={"email_address": [email]})
            response.raise_for_status()
            user_id = response.json()["id"]
        locum = await microseconds_per_request(app, f"/v1/users/{user_id}", calls)
    ceiling = await microseconds_per_request(ceiling_app.app, "/v1/users/x", calls)
    return locum, ceiling


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=CALLS, help="requests a round")
    parser.add_argument("--database-url", help="PostgreSQL database to read from (default: a SQLite file)")
    parser.add_argument("--json-out", type=Path, help="write the result row here (JSON)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        database_url = args.database_url or f"sqlite:///{data_dir}/locum.db"
        locum, ceiling = asyncio.run(measure(database_url, data_dir, args.calls))
    database = "postgresql" if database_url.startswith("postgres") else "sqlite"
    ratio = locum / ceiling
    print(f"locum ({database}): {locum:.1f} µs a request; minimal FastAPI app: {ceiling:.1f} µs; ratio {ratio:.2f}")
    if args.json_out is not None:
        row = {
            "path": PATH_LABEL,
            "database": database,
            "rate": round(locum, 1),
            "unit": "µs",
            "baseline": round(ceiling, 1),
            "baseline_label": BASELINE_LABEL,
            "ratio": round(ratio, 3),
            "target": "report",
            "met": True,
        }
        args.json_out.write_text(json.dumps([row], indent=2) + "\n")


if __name__ == "__main__":
    main()
