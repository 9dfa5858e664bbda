"""Start-up: from process start to the first `GET /healthz` 200 of `locum serve` (one worker) on an
existing database, against a bare `python -m uvicorn` serving the minimal FastAPI app
(ceiling_app.py; the first 200 of its one route) in the same run. Goal: at most 1.5 times the bare app.

The database is made once first (a `locum serve` run that migrates it and creates the default
instance, not timed), so every timed start finds it at the migrations' head, as a restart does:
SQLite in a temporary directory, or the PostgreSQL database of `--database-url`. Both commands run
with their bytecode compiled (kept in a temporary PYTHONPYCACHEPREFIX), as an installed package has
it, even where PYTHONDONTWRITEBYTECODE is set. Each start's CPU time until it answered (from /proc) is
reported beside its wall time: on a busy machine it is the steadier of the two. The two commands
alternate RUNS times, so load on the machine hits both alike; the medians are compared.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

HOST = "127.0.0.1"
RUNS = 7
TARGET = "<= 1.5"
MAX_RATIO = 1.5
POLL_SECONDS = 0.005
READY_TIMEOUT_SECONDS = 60
BENCHMARK_DIR = Path(__file__).resolve().parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# In /proc/<pid>/stat after the command name: utime and stime, in clock ticks.
USER_TICKS_FIELD = 11
SYSTEM_TICKS_FIELD = 12
PATH_LABEL = "start to /healthz 200 (existing database)"
CPU_PATH_LABEL = "CPU to /healthz 200 (existing database)"
REPORT = "report"
LOCUM_PATH = "/healthz"
# The minimal app's one route (it has no /healthz): its first 200 likewise.
BARE_PATH = "/v1/users/x"
BASELINE_LABEL = "bare uvicorn + minimal FastAPI app"


class Start(NamedTuple):
    seconds: float
    # CPU the process used until it answered: steadier than `seconds` on a busy machine.
    cpu_seconds: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def answers_200(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=1)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[USER_TICKS_FIELD]) + int(fields[SYSTEM_TICKS_FIELD])) / CLOCK_TICKS


def seconds_to_200(command: list[str], port: int, path: str, env: dict[str, str]) -> Start:
    """Starts `command`, polls `path` until it answers 200, stops the process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=BENCHMARK_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while not answers_200(port, path):
            if process.poll() is not None:
                raise SystemExit(f"{command} exited with {process.returncode} before answering")
            if time.perf_counter() - started > READY_TIMEOUT_SECONDS:
                raise SystemExit(f"{command} did not answer within {READY_TIMEOUT_SECONDS} s")
            time.sleep(POLL_SECONDS)
        return Start(time.perf_counter() - started, cpu_seconds(process.pid))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def bare_command(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "ceiling_app:app", "--host", HOST, "--port", str(port)]


def locum_command(port: int, database_url: str) -> list[str]:
    return [sys.executable, "-m", "locum", "serve", "--host", HOST, "--port", str(port), "--database-url", database_url]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--database-url", help="PostgreSQL database to start on (default: a SQLite file)")
    parser.add_argument("--json-out", type=Path, help="write the result rows here (JSON)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        database_url = args.database_url or f"sqlite:///{data_dir}/locum.db"
        env = {
            **os.environ,
            "LOCUM_DATA_DIR": data_dir,
            "LOCUM_LOG_LEVEL": "warning",
            # Bytecode compiled once and kept (as an installed package has it), where it harms no tree.
            "PYTHONPYCACHEPREFIX": str(Path(data_dir) / "pycache"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # Untimed: the database made and migrated, bytecode compiled, files in the page cache.
        seconds_to_200(locum_command(port := free_port(), database_url), port, LOCUM_PATH, env)
        seconds_to_200(bare_command(port := free_port()), port, BARE_PATH, env)
        samples: dict[str, list[Start]] = {"bare": [], "locum": []}
        for _ in range(args.runs):
            samples["bare"].append(seconds_to_200(bare_command(port := free_port()), port, BARE_PATH, env))
            samples["locum"].append(
                seconds_to_200(locum_command(port := free_port(), database_url), port, LOCUM_PATH, env)
            )

    database = "postgresql" if database_url.startswith("postgres") else "sqlite"
    medians = {}
    for name, starts in samples.items():
        medians[name] = Start(
            statistics.median(start.seconds for start in starts),
            statistics.median(start.cpu_seconds for start in starts),
        )
        wall = ", ".join(f"{start.seconds:.3f}" for start in starts)
        print(f"{name:5}: median {medians[name].seconds:.3f} s ({wall}); CPU median {medians[name].cpu_seconds:.3f} s")
    ratio = medians["locum"].seconds / medians["bare"].seconds
    cpu_ratio = medians["locum"].cpu_seconds / medians["bare"].cpu_seconds
    print(f"locum serve ({database}) / bare: {ratio:.2f} (target {TARGET}); CPU {cpu_ratio:.2f}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    rows = [
        row(PATH_LABEL, database, medians["locum"].seconds, medians["bare"].seconds, TARGET),
        row(CPU_PATH_LABEL, database, medians["locum"].cpu_seconds, medians["bare"].cpu_seconds, REPORT),
    ]
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(rows, indent=2) + "\n")


def row(path: str, database: str, seconds: float, baseline: float, target: str) -> dict[str, object]:
    ratio = seconds / baseline
    return {
        "path": path,
        "database": database,
        "rate": round(seconds, 3),
        "unit": "s",
        "baseline": round(baseline, 3),
        "baseline_label": BASELINE_LABEL,
        "ratio": round(ratio, 3),
        "target": target,
        "met": target == REPORT or ratio <= MAX_RATIO,
    }


if __name__ == "__main__":
    main()
