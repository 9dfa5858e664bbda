"""List, filter, search, count and deep-offset latency at a million users against the same at 10,000.

Seeds two instances' databases the way an operator would: users with the Clerk CSV import
(`import_clerk_users`, the file from tests/clerk_csv.py `generate`), then one organization per ten
users with three members each through the snapshot import's bulk insert (`insert_records`). The
small database (10,000 users, 1,000 organizations) is the baseline. Each database is then served by
its own `locum serve` (one worker, both running at once) and every path is requested one at a time
over HTTP, alternately from the small and the large database, so that the machine's load hits both
alike: p50 and p99 of each, and the ratio p50(large) / p50(small), target <= 2.

    python benchmarks/scale.py                          # --users 1000000, SQLite files in a temp dir
    python benchmarks/scale.py --users 100000 --requests 50
    python benchmarks/scale.py --database-url postgresql://postgres@127.0.0.1:5432/locum_scale
    python benchmarks/scale.py --data-dir /tmp/scale    # keeps (and reuses) the seeded SQLite files

With --database-url, databases `<name>_small` and `<name>_large` are created beside it (dropped
first, and dropped again at the end; with --data-dir, kept and reused by the next run as the SQLite
files are). Figures are ratios: the machine is shared and noisy.
"""

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.clerk_csv import email, generate, user_id

from locum.app import prepare_database
from locum.db.engine import create_engine
from locum.db.models import Organization, OrganizationMembership, Role, User
from locum.db.snapshots import insert_records
from locum.instances.master_key import open_sealer
from locum.instances.organization_defaults import MEMBER_ROLE
from locum.resources.users.clerk_import import import_clerk_users
from locum.resources.users.repository import ORDER_COLUMNS
from locum.settings import Settings

HOST = "127.0.0.1"
SECRET_KEY = "sk_test_scalebenchmarkscalebenchmarkscalebench"
SMALL_USERS = 10_000
USERS_PER_ORGANIZATION = 10
MEMBERS_PER_ORGANIZATION = 3
ORGANIZATION_BATCH = 10_000
TARGET_RATIO = 2.0
WARMUP_REQUESTS = 3
MIN_REQUESTS = 5
SERVER_START_SECONDS = 600


@dataclass(frozen=True)
class Sample:
    """One measured path: its label and the request path on each database."""

    label: str
    small: str
    large: str


def organization_id(number: int) -> str:
    return f"org_2{number:0>26}"


def organization_rows(
    instance_id: str, role_id: str, organizations: int, created_at: int
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Organization `n` is "Company n" (slug company-n); its members are users n, n + orgs, n + 2 orgs."""
    users = organizations * USERS_PER_ORGANIZATION
    for number in range(1, organizations + 1):
        org_id = organization_id(number)
        stamp = created_at + number
        yield (
            Organization.__table__,
            {
                "id": org_id,
                "instance_id": instance_id,
                "name": f"Company {number}",
                "slug": f"company-{number}",
                "max_allowed_memberships": 0,
                "admin_delete_enabled": True,
                "public_metadata": {},
                "private_metadata": {},
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        for member in range(MEMBERS_PER_ORGANIZATION):
            member_number = (number + member * organizations - 1) % users + 1
            yield (
                OrganizationMembership.__table__,
                {
                    "id": f"orgmem_2{number:0>20}{member:0>5}",
                    "instance_id": instance_id,
                    "organization_id": org_id,
                    "user_id": user_id(member_number),
                    "role_id": role_id,
                    "public_metadata": {},
                    "private_metadata": {},
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            )


async def seed(database_url: str, directory: Path, users: int) -> None:
    settings = Settings(database_url=database_url, data_dir=directory, secret_key=SECRET_KEY)
    engine = create_engine(settings)
    try:
        sealer = await open_sealer(engine, settings)
        keys = await prepare_database(engine, settings, sealer=sealer)
        started = time.perf_counter()
        csv_path = generate(directory / f"users-{users}.csv", users)
        summary = await import_clerk_users(engine, sealer, keys.instance_id, csv_path)
        csv_path.unlink()
        assert summary.imported == users and not summary.skipped, summary.skipped[:5]
        print(f"  {users:,} users imported in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        async with engine.begin() as connection:
            role_id = await connection.scalar(
                select(Role.id).where(Role.instance_id == keys.instance_id, Role.key == MEMBER_ROLE)
            )
            created_at = await connection.scalar(select(User.created_at).limit(1))
        organizations = organization_rows(
            keys.instance_id, str(role_id), users // USERS_PER_ORGANIZATION, int(created_at or 0)
        )
        batch: list[tuple[Any, dict[str, Any]]] = []
        for record in organizations:
            batch.append(record)
            if len(batch) >= ORGANIZATION_BATCH * (1 + MEMBERS_PER_ORGANIZATION):
                async with engine.begin() as connection:
                    await insert_records(connection, batch)
                batch = []
        async with engine.begin() as connection:
            await insert_records(connection, batch)
        print(f"  {users // USERS_PER_ORGANIZATION:,} organizations in {time.perf_counter() - started:.0f} s")
        if engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk load, later: planner statistics, and the GIN
            # indexes' pending entries merged (a trigram scan reads the pending list through).
            started = time.perf_counter()
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM ANALYZE")
            print(f"  VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")
    finally:
        await engine.dispose()


def samples(small_users: int, large_users: int) -> list[Sample]:
    """The same request against both databases; the named user, email, organization... exists in each
    (the middle one of each database), so both pages hold the same number of rows."""

    def both(label: str, template: str, **numbers: int) -> Sample:
        def path(users: int) -> str:
            middle = users // 2
            middle_organization = users // USERS_PER_ORGANIZATION // 2
            values = {
                # the first member of the middle organization
                "user_id": user_id(middle_organization),
                "email": email(middle),
                "phone": f"%2B1415{555_0000 + (middle - middle % 5) % 10_000_000:07d}",
                "username": f"user_{middle - middle % 7}",
                "org_id": organization_id(middle_organization),
                "email_part": f"er{middle}@exa",
                "name_part": f"t{middle} Las",
                "org_part": f"ny {middle_organization}",
            }
            return template.format(**values, **numbers)

        return Sample(label, path(small_users), path(large_users))

    user_orders = list(ORDER_COLUMNS)  # every order_by the users list accepts
    result = [
        both("GET /v1/users", "/v1/users"),
        both("GET /v1/users?email_address", "/v1/users?email_address={email}"),
        both("GET /v1/users?phone_number", "/v1/users?phone_number={phone}"),
        both("GET /v1/users?username", "/v1/users?username={username}"),
        both("GET /v1/users?external_id", "/v1/users?external_id=ext_absent"),
        both("GET /v1/users?web3_wallet", "/v1/users?web3_wallet=0x0000000000000000000000000000000000000001"),
        both("GET /v1/users?user_id", "/v1/users?user_id={user_id}"),
        both("GET /v1/users?organization_id", "/v1/users?organization_id={org_id}"),
        both("GET /v1/users?banned=true", "/v1/users?banned=true"),
        both("GET /v1/users?last_active_at_after", "/v1/users?last_active_at_after=1"),
        both("GET /v1/users?last_active_at_before", "/v1/users?last_active_at_before=1"),
        both("GET /v1/users?last_sign_in_at_after", "/v1/users?last_sign_in_at_after=1"),
        both("GET /v1/users?created_at_before", "/v1/users?created_at_before=1"),
        both("GET /v1/users?created_at_after", "/v1/users?created_at_after=4102444800000"),
        both("GET /v1/users?provider", "/v1/users?provider=oauth_google&provider_user_id=absent"),
        both("GET /v1/users?query=<email part>", "/v1/users?query={email_part}"),
        both("GET /v1/users?query=<name part>", "/v1/users?query={name_part}"),
        both("GET /v1/users?email_address_query", "/v1/users?email_address_query={email_part}"),
        both("GET /v1/users?name_query", "/v1/users?name_query={name_part}"),
        both("GET /v1/users?username_query", "/v1/users?username_query={username}"),
        both("GET /v1/users?phone_number_query", "/v1/users?phone_number_query={phone}"),
        both("GET /v1/users/count", "/v1/users/count"),
        both("GET /v1/users/count?query=<email part>", "/v1/users/count?query={email_part}"),
        both("GET /v1/users?offset=10000", "/v1/users?offset=10000"),
        both("GET /v1/users?offset=100000", "/v1/users?offset=100000"),
        both("GET /v1/organizations", "/v1/organizations"),
        both("GET /v1/organizations?query", "/v1/organizations?query={org_part}"),
        both("GET /v1/organizations?user_id", "/v1/organizations?user_id={user_id}"),
        both("GET /v1/organizations/{id}/memberships", "/v1/organizations/{org_id}/memberships"),
        both("GET /v1/users/{id}/organization_memberships", "/v1/users/{user_id}/organization_memberships"),
        both("GET /v1/organization_memberships", "/v1/organization_memberships"),
    ]
    result += [both(f"GET /v1/users?order_by=-{field}", f"/v1/users?order_by=-{field}") for field in user_orders]
    # Ascending too for the orders by a primary identification's value: the generated file's
    # alt…@example.org addresses, no one's primary, come first in that direction.
    result += [
        both(f"GET /v1/users?order_by=+{field}", f"/v1/users?order_by=%2B{field}")
        for field in ("email_address", "web3wallet", "phone_number")
    ]
    result += [
        both(f"GET /v1/organizations?order_by=-{field}", f"/v1/organizations?order_by=-{field}")
        for field in ("created_at", "name", "members_count")
    ]
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_locum(database_url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "LOCUM_SECRET_KEY": SECRET_KEY, "LOCUM_DATA_DIR": str(data_dir), "LOCUM_LOG_LEVEL": "warning"}
    command = [sys.executable, "-m", "locum", "serve", "--port", str(port), "--workers", "1"]
    process = subprocess.Popen([*command, "--database-url", database_url], env=env, stderr=subprocess.DEVNULL)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early ({database_url})")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server not ready: {url}")


def paired_latencies(
    clients: tuple[httpx.Client, httpx.Client], sample: Sample, requests: int, max_seconds: float
) -> tuple[list[float], list[float]]:
    """`requests` timings of the sample's path on each database (small, large), taken alternately after
    a warm-up; fewer (at least MIN_REQUESTS) past `max_seconds`."""
    paths = (sample.small, sample.large)
    for client, path in zip(clients, paths, strict=True):
        for _ in range(WARMUP_REQUESTS):
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
    timings: tuple[list[float], list[float]] = ([], [])
    deadline = time.perf_counter() + max_seconds
    while len(timings[0]) < requests and (len(timings[0]) < MIN_REQUESTS or time.perf_counter() < deadline):
        for client, path, result in zip(clients, paths, timings, strict=True):
            started = time.perf_counter()
            client.get(path).raise_for_status()
            result.append(time.perf_counter() - started)
    small, large = (statistics.median(result) * 1000 for result in timings)
    print(f"  {small:9.2f} ms {large:9.2f} ms  {sample.label}", flush=True)
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(
    urls: tuple[str, str], data_dir: Path, chosen: list[Sample], requests: int, max_seconds: float
) -> list[tuple[list[float], list[float]]]:
    """Per sample, its timings on the small and the large database, each served by its own process."""
    servers: list[subprocess.Popen[bytes]] = []
    try:
        base_urls = []
        for url in urls:
            process, base_url = start_locum(url, data_dir)
            servers.append(process)
            base_urls.append(base_url)
        headers = {"Authorization": f"Bearer {SECRET_KEY}"}
        with (
            httpx.Client(base_url=base_urls[0], headers=headers, timeout=300) as small,
            httpx.Client(base_url=base_urls[1], headers=headers, timeout=300) as large,
        ):
            return [paired_latencies((small, large), sample, requests, max_seconds) for sample in chosen]
    finally:
        for process in servers:
            process.terminate()
            process.wait()


async def on_server(base_url: str, statements: list[str]) -> None:
    """Run `statements` (CREATE/DROP DATABASE) on the server of `base_url`, outside a transaction."""
    parts = urlsplit(base_url)
    connection = await asyncpg.connect(urlunsplit(parts._replace(scheme="postgresql", path="/postgres")))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def drop_database(url: str) -> str:
    return f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)'


def database_urls(options: argparse.Namespace, directory: Path) -> tuple[str, str, str]:
    if options.database_url is None:
        return "sqlite", f"sqlite:///{directory / 'small.db'}", f"sqlite:///{directory / 'large.db'}"
    parts = urlsplit(options.database_url)
    base = parts.path.lstrip("/")
    small, large = (urlunsplit(parts._replace(path=f"/{base}_{size}")) for size in ("small", "large"))
    return "postgresql", small, large


def main() -> None:
    # `kill` ends the run through its `finally` blocks, which stop the server it started.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100, help="per path and database, after warm-up")
    parser.add_argument("--max-seconds", type=float, default=20, help="per path: fewer requests past it")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL (default: SQLite files)")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the SQLite files here, reuse them")
    parser.add_argument("--json-out", type=Path, default=None)
    options = parser.parse_args()
    directory = options.data_dir or Path(tempfile.mkdtemp(prefix="locum-scale-"))
    directory.mkdir(parents=True, exist_ok=True)
    database, small_url, large_url = database_urls(options, directory)
    try:
        for url, users, name in ((small_url, SMALL_USERS, "small"), (large_url, options.users, "large")):
            seeded = directory / f"{name}-{users}-{database}.seeded"
            if seeded.exists():
                print(f"{name}: reusing {url}")
                continue
            if database == "postgresql":
                asyncio.run(on_server(url, [drop_database(url), f'CREATE DATABASE "{urlsplit(url).path.lstrip("/")}"']))
            print(f"{name}: seeding {users:,} users into {url}", flush=True)
            asyncio.run(seed(url, directory, users))
            seeded.touch()
        chosen = samples(SMALL_USERS, options.users)
        print(f"p50 per path at {SMALL_USERS:,} and at {options.users:,} users:")
        timings = measure((small_url, large_url), directory, chosen, options.requests, options.max_seconds)
    finally:
        # Without --data-dir nothing is kept: the SQLite files nor the PostgreSQL databases.
        if options.data_dir is None:
            shutil.rmtree(directory, ignore_errors=True)
            if database == "postgresql":
                asyncio.run(on_server(small_url, [drop_database(small_url), drop_database(large_url)]))
    print(f"\n{database}: {options.users:,} users vs {SMALL_USERS:,}; one request at a time, {options.requests} each")
    print(f"{'path':<52} {'p50 large':>10} {'p99 large':>10} {'p50 small':>10} {'p99 small':>10} {'ratio':>7}")
    rows = []
    for sample, (small_times, large_times) in zip(chosen, timings, strict=True):
        large_p50, small_p50 = statistics.median(large_times), statistics.median(small_times)
        ratio = large_p50 / small_p50
        print(
            f"{sample.label:<52} {large_p50 * 1000:>8.2f}ms {percentile(large_times, 0.99) * 1000:>8.2f}ms"
            f" {small_p50 * 1000:>8.2f}ms {percentile(small_times, 0.99) * 1000:>8.2f}ms {ratio:>6.2f}x"
            f"{'' if ratio <= TARGET_RATIO else '  (over target)'}"
        )
        rows.append(
            {
                "path": f"{sample.label} @{options.users:,}",
                "database": database,
                "rate": round(large_p50 * 1000, 3),
                "unit": "ms",
                "baseline": round(small_p50 * 1000, 3),
                "baseline_label": f"the same request at {SMALL_USERS:,} users (p50)",
                "ratio": round(ratio, 3),
                "target": f"<= {TARGET_RATIO:g}",
                "met": ratio <= TARGET_RATIO,
                "p99": round(percentile(large_times, 0.99) * 1000, 3),
                "baseline_p99": round(percentile(small_times, 0.99) * 1000, 3),
            }
        )
    if options.json_out is not None:
        options.json_out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
