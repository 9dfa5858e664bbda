"""Read throughput of locum's user endpoints against the framework's ceiling, in one run.

Starts a minimal FastAPI app and `locum serve` with the same uvicorn worker count, seeds 10,000 users
from bcrypt digests (no hashing cost on create), then drives each endpoint with wrk (Debian package
`wrk`; one thread) when it is installed, else with benchmarks/loadgen.py (slower: it caps the ceiling).
"""

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bcrypt
import httpx

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import run_load

HOST = "127.0.0.1"
USERS = 10_000
SEED_CONCURRENCY = 16
PASSWORD_DIGEST = bcrypt.hashpw(b"benchmark password", bcrypt.gensalt(4)).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early ({url})")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"server not ready: {url}")


def start_ceiling(port: int, workers: int) -> subprocess.Popen[bytes]:
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
    )
    wait_ready(f"http://{HOST}:{port}/v1/users/x", process)
    return process


def start_locum(port: int, workers: int, database_url: str, secret_key: str, data_dir: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LOCUM_SECRET_KEY": secret_key, "LOCUM_DATA_DIR": data_dir, "LOCUM_LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "locum",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--database-url",
            database_url,
        ],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    wait_ready(f"http://{HOST}:{port}/healthz", process)
    return process


async def seed_users(api_url: str, secret_key: str) -> tuple[list[str], list[str]]:
    ids: list[str] = []
    emails = [f"bench{i}@example.com" for i in range(USERS)]
    queue = iter(emails)
    async with httpx.AsyncClient(
        base_url=api_url, headers={"Authorization": f"Bearer {secret_key}"}, timeout=60
    ) as client:

        async def worker() -> None:
            for email in queue:
                response = await client.post(
                    "/users",
                    json={
                        "email_address": [email],
                        "password_digest": PASSWORD_DIGEST,
                        "password_hasher": "bcrypt",
                    },
                )
                response.raise_for_status()
                ids.append(response.json()["id"])

        await asyncio.gather(*(worker() for _ in range(SEED_CONCURRENCY)))
    return ids, emails


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
                f"-d{round(seconds)}s",
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


def measure(name: str, port: int, paths: list[str], headers: dict[str, str], seconds: float, connections: int) -> float:
    if shutil.which("wrk"):
        requests, elapsed, errors = measure_with_wrk(port, paths, headers, seconds, connections)
    else:
        result = asyncio.run(run_load(HOST, port, paths, headers, seconds=seconds, connections=connections))
        requests, elapsed, errors = result.requests, result.seconds, result.non_2xx
    if errors:
        raise SystemExit(f"{name}: {errors} failed or non-2xx responses")
    print(f"{name:<44} {requests / elapsed:>9,.0f} req/s  ({requests} requests)")
    return requests / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()

    secret_key = "sk_test_" + "b" * 42
    with tempfile.TemporaryDirectory() as data_dir:
        database_url = args.database_url or f"sqlite:///{data_dir}/bench.db"
        ceiling_port, locum_port = free_port(), free_port()
        ceiling = start_ceiling(ceiling_port, args.workers)
        locum = start_locum(locum_port, args.workers, database_url, secret_key, data_dir)
        try:
            started = time.perf_counter()
            ids, emails = asyncio.run(seed_users(f"http://{HOST}:{locum_port}/v1", secret_key))
            print(
                f"seeded {len(ids)} users in {time.perf_counter() - started:.1f}s "
                f"(workers={args.workers}, {database_url.split(':')[0]})"
            )
            auth = {"Authorization": f"Bearer {secret_key}"}
            sample = random.Random(7)
            by_id = [f"/v1/users/{user_id}" for user_id in sample.sample(ids, 2000)]
            by_email = [f"/v1/users?email_address={email}" for email in sample.sample(emails, 2000)]
            ceiling_rps = measure(
                "ceiling: FastAPI, bytes, no database", ceiling_port, by_id, {}, args.seconds, args.connections
            )
            get_rps = measure("locum GET /v1/users/{id}", locum_port, by_id, auth, args.seconds, args.connections)
            list_rps = measure(
                "locum GET /v1/users?email_address=…", locum_port, by_email, auth, args.seconds, args.connections
            )
        finally:
            for process in (ceiling, locum):
                process.terminate()
                process.wait(timeout=20)
    print(f"GET /v1/users/{{id}}: {get_rps / ceiling_rps:.0%} of the ceiling (target >= 40% and >= 2,000 req/s)")
    print(f"list by email costs {get_rps / list_rps:.2f}x a primary-key read (target <= 2x)")


if __name__ == "__main__":
    main()
