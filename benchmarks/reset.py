"""How long `POST /locum/reset` takes on an instance with 1,000 users, against a `GET /healthz` round
trip in the same run. Goal: a median under 50 ms on SQLite.

Starts `locum serve --port 0` (through locum.testing.server, as the pytest plugin does) on SQLite in a
temporary directory or on the URL given, then, ROUNDS times: seeds USERS users through the API from a
bcrypt digest of cost 4 (no hashing on create; each user also has an email address and a user.created
event), and times one reset. Prints the medians and their ratio.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import bcrypt
import httpx

from locum.testing.server import LocumTestServer, start_locum

USERS = 1_000
SEED_CONCURRENCY = 16
HEALTHZ_SAMPLES = 200
PASSWORD_DIGEST = bcrypt.hashpw(b"benchmark password", bcrypt.gensalt(4)).decode()


async def seed_users(server: LocumTestServer, count: int, round_number: int) -> None:
    emails = iter(f"reset{round_number}_{i}@example.com" for i in range(count))
    async with httpx.AsyncClient(
        base_url=server.server_url, headers={"Authorization": f"Bearer {server.secret_key}"}, timeout=60
    ) as client:

        async def worker() -> None:
            for email in emails:
                response = await client.post(
                    "/users",
                    json={"email_address": [email], "password_digest": PASSWORD_DIGEST, "password_hasher": "bcrypt"},
                )
                response.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(SEED_CONCURRENCY)))


def timed_ms(client: httpx.Client, method: str, path: str) -> float:
    started = time.perf_counter()
    response = client.request(method, path)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary directory")
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--rounds", type=int, default=7)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="locum-reset-bench-") as data_dir:
        server = start_locum(Path(data_dir), database_url=arguments.database_url)
        try:
            headers = {"Authorization": f"Bearer {server.secret_key}"}
            with httpx.Client(base_url=server.api_url, headers=headers, timeout=60) as client:
                resets: list[float] = []
                for round_number in range(arguments.rounds):
                    asyncio.run(seed_users(server, arguments.users, round_number))
                    count = client.get("/v1/users/count").json()["total_count"]
                    assert count == arguments.users, count
                    resets.append(timed_ms(client, "POST", "/locum/reset"))
                    assert client.get("/v1/users/count").json()["total_count"] == 0
                healthz = [timed_ms(client, "GET", "/healthz") for _ in range(HEALTHZ_SAMPLES)]
        finally:
            server.stop()

    reset_median, healthz_median = statistics.median(resets), statistics.median(healthz)
    print(f"reset of {arguments.users} users: median {reset_median:.1f} ms over {arguments.rounds} rounds")
    print(f"  (each: {', '.join(f'{value:.1f}' for value in resets)} ms)")
    print(f"GET /healthz round trip: median {healthz_median:.2f} ms over {HEALTHZ_SAMPLES}")
    print(f"reset / healthz: {reset_median / healthz_median:.1f}x; goal: median under 50 ms")
    sys.exit(0)


if __name__ == "__main__":
    main()
