"""`locum import-clerk-users` speed: users/s importing a generated Clerk export (100,000 users by default)
into a fresh SQLite database, against two baselines measured in the same run on the same file:

- parse: reading the CSV with csv.DictReader alone (the floor of any importer in Python);
- insert: a bare sqlite3 executemany of as many rows (id, names, a 1.5 KB blob like the user's stored
  document) into one indexed table, in batches of the import's size, one transaction each.

Goal: ≥ 10,000 users/s. Figures are ratios to the baselines too (this machine is shared: compare
ratios between runs, not absolute figures). The import uses its default worker processes (one less
than the cores, for a file this size): `--workers 0` measures it without them. With `--database-url`
(a PostgreSQL server), the import goes into a new database there (`locum_bench_import_<pid>`, dropped
after); the baselines stay SQLite's.

    python benchmarks/clerk_import.py              # --users 100000 --batch-size 2000
    python benchmarks/clerk_import.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

import argparse
import asyncio
import csv
import gc
import os
import sqlite3
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import scratch_postgresql_database
from tests.clerk_csv import generate

from locum.app import prepare_database
from locum.db.engine import create_engine
from locum.instances.master_key import open_sealer
from locum.resources.users.clerk_import import BATCH_SIZE, import_clerk_users, worker_count
from locum.settings import Settings


def parse_baseline(path: Path) -> float:
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as file:
        for _ in csv.DictReader(file):
            pass
    return time.perf_counter() - started


def insert_baseline(directory: Path, users: int, batch_size: int) -> float:
    connection = sqlite3.connect(directory / "baseline.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE users (id TEXT PRIMARY KEY, instance_id TEXT, first_name TEXT, last_name TEXT,"
        " created_at INTEGER, document BLOB)"
    )
    connection.execute("CREATE INDEX users_created ON users (instance_id, created_at)")
    document = b"x" * 1500
    rows = [
        (f"user_{number:027d}", "ins_1", f"First{number}", f"Last{number}", number, document) for number in range(users)
    ]
    started = time.perf_counter()
    for start in range(0, users, batch_size):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)", rows[start : start + batch_size])
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


async def run_import(
    directory: Path, database_url: str, path: Path, batch_size: int, workers: int | None
) -> tuple[float, int]:
    settings = Settings(database_url=database_url, data_dir=directory)
    engine = create_engine(settings)
    try:
        sealer = await open_sealer(engine, settings)
        keys = await prepare_database(engine, settings, sealer=sealer)
        summary = await import_clerk_users(
            engine, sealer, keys.instance_id, path, batch_size=batch_size, workers=workers
        )
    finally:
        await engine.dispose()
    assert not summary.skipped, summary.skipped[:5]
    return summary.elapsed_seconds, summary.imported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--workers", type=int, default=None, help="default: as the import decides")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (default: a SQLite file)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="locum-clerk-import-") as name, ExitStack() as stack:
        directory = Path(name)
        database_url = f"sqlite:///{directory / 'locum.db'}"
        if options.database_url:
            database_url = stack.enter_context(
                scratch_postgresql_database(options.database_url, f"locum_bench_import_{os.getpid()}")
            )
        path = generate(directory / "users.csv", options.users)
        parse_seconds = parse_baseline(path)
        insert_seconds = insert_baseline(directory, options.users, options.batch_size)
        gc.disable()  # as `locum import-clerk-users` does
        import_seconds, imported = asyncio.run(
            run_import(directory, database_url, path, options.batch_size, options.workers)
        )
        workers = worker_count(path) if options.workers is None else options.workers
        gc.enable()
    assert imported == options.users
    rate = imported / import_seconds
    database = "PostgreSQL" if options.database_url else "SQLite"
    print(f"users:                  {imported:,} into {database} ({workers} worker processes, {os.cpu_count()} cores)")
    print(f"import:                 {import_seconds:.2f} s = {rate:,.0f} users/s (goal ≥ 10,000)")
    print(f"parse baseline:         {parse_seconds:.2f} s = {options.users / parse_seconds:,.0f} rows/s")
    print(f"insert baseline:        {insert_seconds:.2f} s = {options.users / insert_seconds:,.0f} rows/s")
    print(f"import / parse time:    {import_seconds / parse_seconds:.1f}x")
    print(f"import / insert time:   {import_seconds / insert_seconds:.1f}x")


if __name__ == "__main__":
    main()
