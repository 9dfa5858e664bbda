"""Every benchmark of issue 16, each with its baseline, in one sitting on SQLite and PostgreSQL: one table.

Each script runs as a subprocess with `--json-out` (common.py describes the rows), on a fresh SQLite file
of its own, then on a fresh PostgreSQL database, locum_bench_<pid>, that run_all creates on the server of
`--postgresql-url` before the script and drops after it. Scripts print their own output as they go. At
the end come the machine's speed reference (raw RSA-2048 signatures/s, PKCS#1 v1.5 SHA-256, on one core
with `cryptography`, at the start and at the end), its cores and load average, and one table:
path | database | rate | baseline | ratio | target | verdict. A script that is missing, fails, times out
or writes no rows shows as a "failed" row. Exit status 1 when a row failed or missed its target.

    python benchmarks/run_all.py                     # every benchmark, SQLite and PostgreSQL
    python benchmarks/run_all.py --sqlite-only --only users_read --seconds 3
    python benchmarks/run_all.py --postgresql-only --only scale --scale-users 100000
    python benchmarks/run_all.py --scale-users 100000 --json-out rows.json
"""

import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
from common import Row, scratch_postgresql_database, write_rows
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

BENCHMARK_DIR = Path(__file__).resolve().parent
# In the order they run; cheap ones first, so a quick look needs no waiting for the million users.
BENCHMARKS = ("startup", "users_read", "user_writes", "session_tokens", "webhook_delivery", "scale")
DEFAULT_POSTGRESQL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_SCALE_USERS = 1_000_000
DEFAULT_TIMEOUT_SECONDS = 2 * 60 * 60
# After SIGINT, how long a script has to stop its servers before its process group is killed.
STOP_GRACE_SECONDS = 30
RSA_KEY_BITS = 2048
RSA_PUBLIC_EXPONENT = 65537
RSA_SECONDS = 2.0
# About a session token's header.payload.
RSA_MESSAGE = b"x" * 600
ROW_KEYS = ("path", "database", "rate", "unit", "baseline", "baseline_label", "ratio", "target", "met")
COLUMNS = ("path", "database", "rate", "baseline", "ratio", "target", "verdict")
FAILED = "failed"
MISSED = "missed"


def rsa_signs_per_second() -> float:
    key = rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_BITS)
    signatures = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < RSA_SECONDS:
        key.sign(RSA_MESSAGE, padding.PKCS1v15(), hashes.SHA256())
        signatures += 1
    return signatures / elapsed


def machine_line() -> str:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"RSA-2048 sign (PKCS#1 v1.5 SHA-256, one core): {rsa_signs_per_second():,.0f}/s; "
        f"cores: {os.cpu_count()}; load average: {load}"
    )


def accepted_options(script: Path) -> set[str]:
    """The long options the script's --help lists (so run_all passes --seconds only where it is understood)."""
    shown = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True)
    return set(re.findall(r"--[a-z][a-z-]*", shown.stdout))


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGINT to the script's process group (the script stops its servers as on Ctrl-C), then SIGKILL."""
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_to_end(command: list[str], timeout_seconds: float) -> int | None:
    """The script's exit status, or None when it ran out of time. Its own session, so that on a timeout
    or Ctrl-C the servers it started are stopped with it."""
    process = subprocess.Popen(command, start_new_session=True)
    try:
        return process.wait(timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        stop_group(process)
        return None
    except KeyboardInterrupt:
        stop_group(process)
        raise


def failed_row(name: str, database: str, reason: str) -> Row:
    return {
        "path": f"{name}.py: {reason}",
        "database": database,
        "rate": None,
        "unit": None,
        "baseline": None,
        "baseline_label": None,
        "ratio": None,
        "target": None,
        "met": False,
        "verdict": FAILED,
        "script": name,
    }


def read_rows(name: str, database: str, output: Path) -> list[Row]:
    try:
        rows = json.loads(output.read_text() or "[]")
    except json.JSONDecodeError as error:
        return [failed_row(name, database, f"unreadable --json-out ({error})")]
    if not isinstance(rows, list) or not rows:
        return [failed_row(name, database, "no rows written to --json-out")]
    read: list[Row] = []
    for number, item in enumerate(rows, start=1):
        missing = [key for key in ROW_KEYS if key not in item] if isinstance(item, dict) else list(ROW_KEYS)
        if missing:
            read.append(failed_row(name, database, f"row {number} lacks {', '.join(missing)}"))
            continue
        verdict = "report" if item["target"] == "report" else "met" if item["met"] else MISSED
        read.append({**item, "verdict": verdict, "script": name})
    return read


def run_benchmark(script: Path, database: str, database_url: str | None, args: argparse.Namespace) -> list[Row]:
    name = script.stem
    accepted = accepted_options(script)
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "rows.json"
        command = [sys.executable, str(script), "--json-out", str(output)]
        if database_url is not None:
            command += ["--database-url", database_url]
        if args.seconds is not None and "--seconds" in accepted:
            command += ["--seconds", f"{args.seconds:g}"]
        if name == "scale":
            command += ["--users", str(args.scale_users)]
        print(f"\n== {name} ({database}): {shlex.join(command[1:])}", flush=True)
        status = run_to_end(command, args.timeout)
        if status is None:
            return [failed_row(name, database, f"timed out after {args.timeout:.0f} s")]
        rows = read_rows(name, database, output) if output.exists() else []
    if status != 0:
        return [*rows, failed_row(name, database, f"exit status {status}")]
    return rows or [failed_row(name, database, "no rows written to --json-out")]


def run_on_postgresql(script: Path, args: argparse.Namespace) -> list[Row]:
    try:
        with scratch_postgresql_database(args.postgresql_url, f"locum_bench_{os.getpid()}") as database_url:
            return run_benchmark(script, "postgresql", database_url, args)
    except (OSError, asyncpg.PostgresError) as error:
        return [failed_row(script.stem, "postgresql", f"PostgreSQL database not created or dropped ({error})")]


def figure(value: float | None, unit: str | None = None) -> str:
    if value is None:
        return "-"
    shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    return f"{shown} {unit}" if unit else shown


def table(rows: list[Row]) -> list[str]:
    cells = [
        (
            row["path"],
            row["database"],
            figure(row["rate"], row["unit"]),
            figure(row["baseline"], row["unit"]),
            figure(row["ratio"]),
            row["target"] or "-",
            row["verdict"],
        )
        for row in rows
    ]
    widths = [max(len(text) for text in column) for column in zip(COLUMNS, *cells, strict=False)]
    lines = [" | ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip() for line in cells]
    header = " | ".join(text.ljust(width) for text, width in zip(COLUMNS, widths, strict=True)).rstrip()
    return [header, "-+-".join("-" * width for width in widths), *lines]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=None, help=f"comma-separated subset of: {','.join(BENCHMARKS)}")
    only_database = parser.add_mutually_exclusive_group()
    only_database.add_argument("--sqlite-only", action="store_true", help="skip the PostgreSQL runs")
    only_database.add_argument("--postgresql-only", action="store_true", help="skip the SQLite runs")
    parser.add_argument(
        "--postgresql-url",
        default=DEFAULT_POSTGRESQL_URL,
        help="a PostgreSQL server and role that may create databases (default: %(default)s)",
    )
    parser.add_argument("--seconds", type=float, default=None, help="passed to the scripts that take --seconds")
    parser.add_argument(
        "--scale-users", type=int, default=DEFAULT_SCALE_USERS, help="scale.py --users (default: %(default)s)"
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds per script (default: %(default)s)"
    )
    parser.add_argument("--json-out", type=Path, default=None, help="also write every row there (JSON)")
    args = parser.parse_args()
    names = BENCHMARKS if args.only is None else tuple(name.strip() for name in args.only.split(","))
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")

    start_line = machine_line()
    print(f"at the start: {start_line}", flush=True)
    rows: list[Row] = []
    databases = tuple(
        database
        for database, skipped in (("sqlite", args.postgresql_only), ("postgresql", args.sqlite_only))
        if not skipped
    )
    for name in names:
        script = BENCHMARK_DIR / f"{name}.py"
        if not script.exists():
            print(f"\n== {name}: {script.name} is missing", flush=True)
            rows += [failed_row(name, database, "missing") for database in databases]
            continue
        if "sqlite" in databases:
            rows += run_benchmark(script, "sqlite", None, args)
        if "postgresql" in databases:
            rows += run_on_postgresql(script, args)
    end_line = machine_line()

    print(f"\nat the start: {start_line}\nat the end:   {end_line}")
    print("\n".join(table(rows)))
    write_rows(args.json_out, rows)
    sys.exit(1 if any(row["verdict"] in (FAILED, MISSED) for row in rows) else 0)


if __name__ == "__main__":
    main()
