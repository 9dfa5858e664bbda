"""Machine-token verification against a primary-key user read, measured in the same run.

Starts `locum serve --workers 2` on SQLite (or the URL given), creates users, a machine with M2M
tokens and API keys, then drives `GET /v1/users/{id}` (the baseline), `POST /m2m_tokens/verify` and
`POST /api_keys/verify` (the paths Clerk's SDKs call, without /v1) with benchmarks/loadgen.py, cycling
over the tokens. Goal: each verify at >= 60% of the user-read rate.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import run_load
from users_read import HOST, free_port, start_locum

TOKENS = 200
TARGET_RATIO = 0.60


async def seed(api_origin: str, secret_key: str) -> tuple[list[str], list[str], list[str]]:
    """(user ids, opaque M2M tokens, API key secrets), TOKENS of each."""
    auth = {"Authorization": f"Bearer {secret_key}"}
    async with httpx.AsyncClient(base_url=api_origin, headers=auth, timeout=60) as client:

        async def created(path: str, body: dict[str, object], headers: dict[str, str] | None = None) -> dict[str, str]:
            response = await client.post(path, json=body, headers=headers)
            response.raise_for_status()
            return {key: value for key, value in response.json().items() if isinstance(value, str)}

        users = [
            await created("/v1/users", {"email_address": [f"bench{i}@example.com"], "skip_password_requirement": True})
            for i in range(TOKENS)
        ]
        machine = await created("/v1/machines", {"name": "benchmark"})
        machine_auth = {"Authorization": f"Bearer {machine['secret_key']}"}
        m2m_tokens = [(await created("/m2m_tokens", {}, headers=machine_auth))["token"] for _ in range(TOKENS)]
        api_keys = [
            (await created("/api_keys", {"name": f"key {i}", "subject": user["id"]}))["secret"]
            for i, user in enumerate(users)
        ]
    return [user["id"] for user in users], m2m_tokens, api_keys


def measure(
    name: str, port: int, paths: list[str], auth: dict[str, str], args: argparse.Namespace, bodies: list[bytes] | None
) -> float:
    result = asyncio.run(
        run_load(HOST, port, paths, auth, seconds=args.seconds, connections=args.connections, bodies=bodies)
    )
    if result.non_2xx:
        raise SystemExit(f"{name}: {result.non_2xx} non-2xx responses")
    print(f"{name:<36} {result.per_second:>9,.0f} req/s  ({result.requests} requests)")
    return result.per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()

    secret_key = "sk_test_" + "m" * 42
    auth = {"Authorization": f"Bearer {secret_key}"}
    with tempfile.TemporaryDirectory() as data_dir:
        database_url = args.database_url or f"sqlite:///{data_dir}/bench.db"
        port = free_port()
        locum = start_locum(port, args.workers, database_url, secret_key, data_dir)
        try:
            started = time.perf_counter()
            user_ids, m2m_tokens, api_keys = asyncio.run(seed(f"http://{HOST}:{port}", secret_key))
            print(
                f"seeded {TOKENS} users, M2M tokens and API keys in {time.perf_counter() - started:.1f}s "
                f"(workers={args.workers}, {database_url.split(':')[0]})"
            )
            user_rps = measure(
                "GET /v1/users/{id}", port, [f"/v1/users/{user_id}" for user_id in user_ids], auth, args, None
            )
            m2m_rps = measure(
                "POST /m2m_tokens/verify",
                port,
                ["/m2m_tokens/verify"] * TOKENS,
                auth,
                args,
                [orjson.dumps({"token": token}) for token in m2m_tokens],
            )
            api_key_rps = measure(
                "POST /api_keys/verify",
                port,
                ["/api_keys/verify"] * TOKENS,
                auth,
                args,
                [orjson.dumps({"secret": secret}) for secret in api_keys],
            )
        finally:
            locum.terminate()
            locum.wait(timeout=20)
    verdicts = []
    for name, rps in (("POST /m2m_tokens/verify", m2m_rps), ("POST /api_keys/verify", api_key_rps)):
        ratio = rps / user_rps
        verdicts.append(ratio >= TARGET_RATIO)
        print(f"{name}: {ratio:.0%} of GET /v1/users/{{id}} (target >= {TARGET_RATIO:.0%})")
    if not all(verdicts):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
