"""Bounded resources: the server's memory under concurrent password verifications, and how long idle
or slow connections stay open. Linux only (memory is read from /proc).

Starts `locum serve` (one worker, SQLite file by default, or the URL given) and creates a user with
a password (argon2id: 64 MiB for each hash).

- Memory. Baselines: the server's RSS at idle once one verification has run (everything imported),
  and the time of one verification alone (median of 5). Then N verifications (100) are sent at once,
  each on its own connection, while the server's RSS is sampled every few milliseconds; its VmHWM
  (peak RSS) is read afterwards too. Reported: the peak against idle, and the burst's wall time
  against N verifications one after another. Goal: a peak under 300 MB.
- Connections. With LOCUM_HEADER_TIMEOUT_SECONDS and LOCUM_KEEP_ALIVE_TIMEOUT_SECONDS as given
  (default: locum's), four connections are opened at once: one sends nothing, one sends half its
  headers, one sends a header line every half second and never ends them, and one is left idle
  after a response. Each is timed from its last request byte (or its opening) until the server
  closes it, against its timeout; one still open at three times its timeout is reported as such.

    python benchmarks/bounded_resources.py     # --verifications 100 --header-timeout 10 --keep-alive-timeout 5
"""

import argparse
import asyncio
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import HOST, free_port, start_locum

from locum.settings import DEFAULT_HEADER_TIMEOUT_SECONDS, DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS

SECRET_KEY = "sk_test_" + "r" * 42
PASSWORD = "correct horse battery staple"
GOAL_PEAK_BYTES = 300 * 1024 * 1024
RSS_SAMPLE_INTERVAL_S = 0.002
SINGLE_VERIFICATIONS = 5
TRICKLE_INTERVAL_S = 0.5
# How long past its timeout a connection is watched before it is reported as left open.
WATCH_FACTOR = 3
MIB = 1024 * 1024
HALF_REQUEST_HEAD = b"GET /healthz HTTP/1.1\r\nHost: locum\r\n"
REQUEST_HEAD = HALF_REQUEST_HEAD + b"\r\n"


# -- memory ------------------------------------------------------------------------------------


def status_bytes(pid: int, field: str) -> int:
    """A `kB` field of /proc/PID/status (VmRSS, VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


class RssSampler:
    """Samples a process's RSS in a thread until stopped; keeps the largest value."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, status_bytes(self.pid, "VmRSS"))
            self._stop.wait(RSS_SAMPLE_INTERVAL_S)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def verify(api: httpx.Client, user_id: str) -> float:
    started = time.perf_counter()
    response = api.post(f"/users/{user_id}/verify_password", json={"password": PASSWORD})
    assert response.status_code == 200 and response.json() == {"verified": True}, response.text
    return time.perf_counter() - started


async def verify_at_once(api_url: str, user_id: str, count: int) -> list[float]:
    """`count` verifications sent together, each on its own connection; their latencies in seconds."""
    headers = {"Authorization": f"Bearer {SECRET_KEY}"}
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(base_url=api_url, headers=headers, limits=limits, timeout=600) as api:

        async def one() -> float:
            started = time.perf_counter()
            response = await api.post(f"/users/{user_id}/verify_password", json={"password": PASSWORD})
            assert response.status_code == 200, response.text
            return time.perf_counter() - started

        return list(await asyncio.gather(*(one() for _ in range(count))))


def measure_memory(pid: int, api_url: str, verifications: int) -> None:
    with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {SECRET_KEY}"}, timeout=60) as api:
        created = api.post(
            "/users", json={"email_address": [f"bounded-{time.time_ns()}@example.com"], "password": PASSWORD}
        )
        assert created.status_code == 200, created.text
        user_id = created.json()["id"]
        single_s = statistics.median(verify(api, user_id) for _ in range(SINGLE_VERIFICATIONS))
    idle_rss = status_bytes(pid, "VmRSS")
    hwm_before = status_bytes(pid, "VmHWM")
    with RssSampler(pid) as sampler:
        started = time.perf_counter()
        latencies = asyncio.run(verify_at_once(api_url, user_id, verifications))
        burst_s = time.perf_counter() - started
    hwm_after = status_bytes(pid, "VmHWM")
    peak = max(sampler.peak, hwm_after if hwm_after > hwm_before else 0)
    print(f"memory with {verifications} concurrent verify_password (argon2id)")
    print(f"  idle RSS {idle_rss / MIB:.0f} MiB (VmHWM before the burst {hwm_before / MIB:.0f} MiB)")
    print(f"  peak RSS {peak / MIB:.0f} MiB = {peak / idle_rss:.2f} x idle, +{(peak - idle_rss) / MIB:.0f} MiB")
    print(
        f"  one verification alone {single_s * 1000:.0f} ms; the burst took {burst_s:.2f} s ="
        f" {burst_s / (verifications * single_s):.2f} x {verifications} one after another;"
        f" latency p50 {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    verdict = "met" if peak < GOAL_PEAK_BYTES else "NOT met"
    print(f"  goal: peak < {GOAL_PEAK_BYTES / MIB:.0f} MiB: {verdict}")


# -- connections -------------------------------------------------------------------------------


def open_until_closed(port: int, prepare: Callable[[socket.socket], None], limit_s: float) -> float | None:
    """Seconds from the end of `prepare` until the server closes the connection; None if still open at `limit_s`."""
    with socket.create_connection((HOST, port)) as connection:
        prepare(connection)
        started = time.monotonic()
        connection.settimeout(limit_s)
        try:
            while connection.recv(65536):
                pass
        except ConnectionResetError:
            pass
        except TimeoutError:
            return None
        return time.monotonic() - started


def trickle_until_closed(port: int, limit_s: float) -> float | None:
    """Sends a header line every TRICKLE_INTERVAL_S; seconds from the first byte until the server closes."""
    with socket.create_connection((HOST, port)) as connection:
        connection.settimeout(TRICKLE_INTERVAL_S)
        started = time.monotonic()
        connection.sendall(HALF_REQUEST_HEAD)
        while time.monotonic() - started < limit_s:
            try:
                if connection.recv(65536) == b"":
                    return time.monotonic() - started
            except TimeoutError:
                connection.sendall(b"X-Slow: 1\r\n")
            except (ConnectionResetError, BrokenPipeError):
                return time.monotonic() - started
        return None


def read_response(connection: socket.socket) -> None:
    """Sends one request and reads its whole response (headers, then Content-Length bytes)."""
    connection.sendall(REQUEST_HEAD)
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, body = received.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")
    )
    while len(body) < length:
        body += connection.recv(65536)


def measure_connections(port: int, header_timeout_s: float, keep_alive_timeout_s: float) -> None:
    header_limit_s, keep_alive_limit_s = WATCH_FACTOR * header_timeout_s, WATCH_FACTOR * keep_alive_timeout_s

    def send_half_headers(connection: socket.socket) -> None:
        connection.sendall(HALF_REQUEST_HEAD)

    cases: list[tuple[str, float, Callable[[], float | None]]] = [
        ("sends nothing", header_timeout_s, lambda: open_until_closed(port, lambda _: None, header_limit_s)),
        (
            "sends half its headers",
            header_timeout_s,
            lambda: open_until_closed(port, send_half_headers, header_limit_s),
        ),
        (
            f"trickles a header line every {TRICKLE_INTERVAL_S:g} s",
            header_timeout_s,
            lambda: trickle_until_closed(port, header_limit_s),
        ),
        (
            "idle after a response",
            keep_alive_timeout_s,
            lambda: open_until_closed(port, read_response, keep_alive_limit_s),
        ),
    ]
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        futures = [pool.submit(measure) for _, _, measure in cases]
        results = [future.result() for future in futures]
    print(f"connections (header timeout {header_timeout_s:g} s, keep-alive timeout {keep_alive_timeout_s:g} s)")
    for (name, timeout_s, _), open_s in zip(cases, results, strict=True):
        if open_s is None:
            print(f"  {name}: still open after {WATCH_FACTOR * timeout_s:g} s")
        else:
            print(f"  {name}: closed after {open_s:.2f} s = {open_s / timeout_s:.2f} x its timeout")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="postgresql://…; default: a SQLite file in a temporary directory")
    parser.add_argument("--verifications", type=int, default=100)
    parser.add_argument("--header-timeout", type=float, default=DEFAULT_HEADER_TIMEOUT_SECONDS)
    parser.add_argument("--keep-alive-timeout", type=float, default=DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="locum-bounded-")
    env = {
        "LOCUM_SECRET_KEY": SECRET_KEY,
        "LOCUM_DATA_DIR": data_dir,
        "LOCUM_HEADER_TIMEOUT_SECONDS": str(args.header_timeout),
        "LOCUM_KEEP_ALIVE_TIMEOUT_SECONDS": str(args.keep_alive_timeout),
    }
    port = free_port()
    database_url = args.database_url or f"sqlite:///{data_dir}/locum.db"
    process = start_locum(port, workers=1, database_url=database_url, env=env)
    try:
        measure_memory(process.pid, f"http://{HOST}:{port}/v1", args.verifications)
        measure_connections(port, args.header_timeout, args.keep_alive_timeout)
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
