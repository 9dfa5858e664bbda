"""Webhook delivery: deliveries/s for a burst of events, and event→delivery latency at idle.

Prepares a database (SQLite file by default, or the PostgreSQL URL given), adds one endpoint to the
default instance and starts a fast asyncio receiver (uvloop, a bare HTTP/1.1 protocol, 200 to
everything) in a separate process; it timestamps each arrival with the wall clock.

- Throughput: once a first event has been delivered (the worker is up), N events are inserted in one
  transaction straight into the events table; deliveries/s is N over the time from that commit to
  the N-th arrival at the receiver. The delivering process's CPU time per delivery is shown too.
- Baseline, in the same run: plain httpx.AsyncClient POST loops send N bodies of the same size to
  the same receiver, as many at once as locum's worker attempts (outbox.worker.MAX_IN_FLIGHT), from
  this process; its rate is timed the same way (from its start to the N-th arrival). Goal: locum at
  least half of it. Bursts of each alternate (--rounds) and the best of each counts; CPU time per
  delivery and per baseline POST is shown too, a ratio that a busy machine disturbs less.
- Latency: users are created one by one through POST /v1/users with a pause between them; the
  latency of each is its arrival at the receiver minus the event's `timestamp` (created_at, ms).

Delivery runs in `locum serve` (--mode serve, the default: LOCUM_DELIVER_IN_SERVE) or in one separate
`locum worker` process beside a `locum serve` that does not deliver (--mode worker). Goals: at least
half the baseline's rate, and a p99 latency under 200 ms at idle. `--json-out FILE` also writes the
throughput row (run_all.py reads it).

    python benchmarks/webhook_delivery.py                      # --mode serve --events 5000 --users 200
    python benchmarks/webhook_delivery.py --mode worker --database-url postgresql://postgres@127.0.0.1/bench
"""

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

import asyncpg
import httpx
import orjson
from cryptography.fernet import Fernet

HOST = "127.0.0.1"
SECRET_KEY = "sk_test_" + "b" * 42
READY_TIMEOUT_S = 30
DELIVERY_TIMEOUT_S = 120
GOAL_RATIO = 0.5
GOAL_P99_MS = 200
BASELINE_LABEL = "plain httpx.AsyncClient POST loops, same concurrency, receiver and bodies"
# A user.created event's data as the benchmark records it (the baseline sends the same envelope).
BENCH_USER = {"object": "user", "id": "user_bench", "email_addresses": [], "first_name": "Bench"}
HEADER_END = b"\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


# -- the receiver (its own process) -------------------------------------------------------------


class ReceiverProtocol(asyncio.Protocol):
    """HTTP/1.1 with Content-Length bodies and keep-alive; POSTs are recorded, GET /stats reports."""

    # Shared by every connection: (wall-clock ms at arrival, the event's timestamp in ms).
    arrivals: ClassVar[list[tuple[float, int]]] = []

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(HEADER_END)
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line.startswith(b"content-length:"):
                    length = int(line[len(b"content-length:") :])
            if len(self.buffer) < end + len(HEADER_END) + length:
                return
            body = bytes(self.buffer[end + len(HEADER_END) : end + len(HEADER_END) + length])
            del self.buffer[: end + len(HEADER_END) + length]
            if head.startswith(b"post "):
                self.arrivals.append((time.time_ns() / 1_000_000, orjson.loads(body)["timestamp"]))
                self.transport.write(RESPONSE)
            elif head.startswith(b"get /stats"):
                stats = orjson.dumps(self.arrivals)
                self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(stats), stats))
            else:
                if head.startswith(b"delete /stats"):
                    self.arrivals.clear()
                self.transport.write(RESPONSE)


def run_receiver(port: int) -> None:
    import uvloop

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(ReceiverProtocol, HOST, port, backlog=1024)
        await server.serve_forever()

    uvloop.run(serve())


class Arrivals:
    """Reads the receiver's records: [(arrival ms, event timestamp ms)]."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def read(self) -> list[tuple[float, int]]:
        records: list[tuple[float, int]] = orjson.loads(httpx.get(f"{self.origin}/stats", timeout=30).content)
        return records

    def count(self) -> int:
        return len(orjson.loads(httpx.get(f"{self.origin}/stats", timeout=30).content))

    def clear(self) -> None:
        httpx.delete(f"{self.origin}/stats", timeout=30)


# -- locum processes and the database -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_ready(origin: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args} exited:\n{log.read_text()}")
        try:
            if httpx.get(origin + "/healthz", timeout=1).status_code in (200, 404):
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit(f"{process.args} was not ready in {READY_TIMEOUT_S}s:\n{log.read_text()}")


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(args, env=env, stdout=output, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def add_endpoint(database_url: str, master_key: str, url: str) -> None:
    from sqlalchemy import select

    from locum.db.engine import create_engine, create_sessionmaker
    from locum.db.models import Instance, WebhookEndpoint
    from locum.kit.ids import new_id
    from locum.kit.sealing import Sealer
    from locum.outbox.signing import new_endpoint_secret
    from locum.settings import Settings

    engine = create_engine(Settings(database_url=database_url))
    try:
        async with create_sessionmaker(engine)() as session:
            instance_id = await session.scalar(select(Instance.id).where(Instance.is_default.is_(True)))
            sealed = Sealer(master_key.encode()).seal(new_endpoint_secret())
            session.add(
                WebhookEndpoint(
                    id=new_id("webhook_endpoint"),
                    instance_id=instance_id,
                    url=url,
                    sealed_secret=sealed,
                    event_types=[],
                )
            )
            await session.commit()
    finally:
        await engine.dispose()


async def insert_events(database_url: str, count: int) -> float:
    """Inserts `count` user.created events in one transaction; returns the commit's wall-clock ms."""
    from sqlalchemy import insert, select

    from locum.db.engine import create_engine, create_sessionmaker
    from locum.db.models import Event, Instance
    from locum.kit.clock import now_ms
    from locum.kit.ids import new_id
    from locum.settings import Settings

    engine = create_engine(Settings(database_url=database_url))
    try:
        async with create_sessionmaker(engine)() as session:
            instance_id = await session.scalar(select(Instance.id).where(Instance.is_default.is_(True)))
            rows: list[dict[str, Any]] = [
                {
                    "id": new_id("event"),
                    "instance_id": instance_id,
                    "type": "user.created",
                    "data": BENCH_USER,
                    "attributes": {},
                    "created_at": now_ms(),
                }
                for _ in range(count)
            ]
            await session.execute(insert(Event.__table__), rows)
            await session.commit()
            return time.time_ns() / 1_000_000
    finally:
        await engine.dispose()


def wait_for_arrivals(arrivals: Arrivals, count: int) -> None:
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while arrivals.count() < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {arrivals.count()} of {count} deliveries in {DELIVERY_TIMEOUT_S}s")
        time.sleep(0.05)


async def post_loop(url: str, count: int) -> tuple[float, float]:
    """POSTs `count` envelopes like locum's to `url` from MAX_IN_FLIGHT senders at once, each with an
    AsyncClient of its own; returns the start's wall-clock ms and the CPU seconds the sending took.

    One client per sender, as locum's worker has one connection per attempt in flight: a single
    AsyncClient pooling MAX_IN_FLIGHT connections sends about a fifth as much (httpcore scans its whole
    pool whenever a request starts or ends), which would flatter locum.
    """
    from locum.kit.clock import now_ms
    from locum.outbox.delivery import envelope_body
    from locum.outbox.worker import MAX_IN_FLIGHT

    body = envelope_body(
        event_type="user.created", data=BENCH_USER, created_at=now_ms(), instance_id="ins_bench", attributes=None
    )
    headers = {"content-type": "application/json"}
    remaining = iter(range(count))

    async def sender(client: httpx.AsyncClient) -> None:
        for _ in remaining:
            (await client.post(url, content=body, headers=headers)).raise_for_status()

    clients = [httpx.AsyncClient() for _ in range(MAX_IN_FLIGHT)]
    try:
        started_ms, cpu_before = time.time_ns() / 1_000_000, time.process_time()
        await asyncio.gather(*(sender(client) for client in clients))
        cpu_seconds = time.process_time() - cpu_before
    finally:
        for client in clients:
            await client.aclose()
    return started_ms, cpu_seconds


def deliveries_per_second(arrivals: Arrivals, count: int, started_ms: float) -> float:
    """`count` over the time from `started_ms` to the last arrival."""
    last_arrival = max(arrived for arrived, _ in arrivals.read())
    return count / ((last_arrival - started_ms) / 1000)


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def create_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]

    async def run() -> None:
        connection = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(run())


# -- the run ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("serve", "worker"), default="serve")
    parser.add_argument("--database-url", help="postgresql://… (recreated); default: a SQLite file")
    parser.add_argument("--events", type=int, default=5000, help="events inserted at once (throughput)")
    parser.add_argument("--rounds", type=int, default=3, help="bursts of locum's and of the baseline's, in turn")
    parser.add_argument("--users", type=int, default=200, help="users created one by one (latency)")
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between two users")
    parser.add_argument("--json-out", type=Path, help="also write the throughput row (JSON) to this file")
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        run_receiver(args.receiver)
        return

    work = Path(tempfile.mkdtemp(prefix="locum-webhook-bench-"))
    database_url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    if database_url.startswith("postgres"):
        create_database(database_url)
    master_key = Fernet.generate_key().decode()
    env = {
        **os.environ,
        "LOCUM_DATA_DIR": str(work),
        "LOCUM_DATABASE_URL": database_url,
        "LOCUM_MASTER_KEY": master_key,
        "LOCUM_SECRET_KEY": SECRET_KEY,
        "LOCUM_LOG_LEVEL": "warning",
        "LOCUM_DELIVER_IN_SERVE": "true" if args.mode == "serve" else "false",
    }
    log = work / "locum.log"
    receiver_port, server_port = free_port(), free_port()
    receiver = start([sys.executable, __file__, "--receiver", str(receiver_port)], env, log)
    processes = [receiver]
    try:
        receiver_origin = f"http://{HOST}:{receiver_port}"
        wait_ready(receiver_origin, receiver, log)
        prepared = subprocess.run([sys.executable, "-m", "locum", "keys"], env=env, capture_output=True, text=True)
        if prepared.returncode != 0:
            raise SystemExit(prepared.stderr)
        asyncio.run(add_endpoint(database_url, master_key, receiver_origin + "/webhooks"))
        server = start([sys.executable, "-m", "locum", "serve", "--port", str(server_port)], env, log)
        processes.append(server)
        origin = f"http://{HOST}:{server_port}"
        wait_ready(origin, server, log)
        delivering = server
        if args.mode == "worker":
            delivering = start([sys.executable, "-m", "locum", "worker"], env, log)
            processes.append(delivering)
        arrivals = Arrivals(receiver_origin)
        # One delivery first: the worker is up (imports done, connections open) when timing starts.
        asyncio.run(insert_events(database_url, 1))
        wait_for_arrivals(arrivals, 1)
        arrivals.clear()

        # Bursts of each in turn, the best of each kept: the least disturbed by whatever else the
        # machine runs.
        rates, baselines, cpu_per_delivery, cpu_per_post = [], [], [], []
        for _ in range(args.rounds):
            cpu_before = cpu_seconds(delivering)
            committed_ms = asyncio.run(insert_events(database_url, args.events))
            wait_for_arrivals(arrivals, args.events)
            cpu_per_delivery.append((cpu_seconds(delivering) - cpu_before) * 1000 / args.events)
            rates.append(deliveries_per_second(arrivals, args.events, committed_ms))
            arrivals.clear()

            started_ms, sending_cpu_seconds = asyncio.run(post_loop(receiver_origin + "/webhooks", args.events))
            wait_for_arrivals(arrivals, args.events)
            cpu_per_post.append(sending_cpu_seconds * 1000 / args.events)
            baselines.append(deliveries_per_second(arrivals, args.events, started_ms))
            arrivals.clear()
        rate, baseline = max(rates), max(baselines)

        headers = {"Authorization": f"Bearer {SECRET_KEY}"}
        with httpx.Client(base_url=origin, headers=headers) as client:
            for number in range(args.users):
                response = client.post("/v1/users", json={"email_address": [f"bench{number}@example.com"]})
                response.raise_for_status()
                time.sleep(args.pause)
        wait_for_arrivals(arrivals, args.users)
        latencies = [arrived - timestamp for arrived, timestamp in arrivals.read()]
    finally:
        for process in reversed(processes):
            stop(process)
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    where = "in locum serve" if args.mode == "serve" else "by one locum worker beside locum serve"
    print(f"webhook delivery {where}, {database}")
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    ratio = rate / baseline
    print(f"  throughput: {args.events} events inserted at once -> {rate:,.0f} deliveries/s (best of {args.rounds})")
    print(f"  baseline: {BASELINE_LABEL} -> {baseline:,.0f} POSTs/s; locum at {ratio:.0%}")
    print(
        f"  CPU: {min(cpu_per_delivery):.2f} ms a delivery (the delivering process), {min(cpu_per_post):.2f} ms a"
        f" baseline POST: locum at {min(cpu_per_post) / min(cpu_per_delivery):.0%} by CPU (steadier on a busy machine)"
    )
    print(f"  latency at idle ({args.users} users, {args.pause:g} s apart): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"  goals: >= {GOAL_RATIO:.0%} of the baseline, p99 < {GOAL_P99_MS} ms")
    if args.json_out is not None:
        target = f">= {GOAL_RATIO:.2f}"
        row = {
            "path": f"webhook deliveries ({where})",
            "database": "postgresql" if database_url.startswith("postgres") else "sqlite",
            "rate": round(rate, 1),
            "unit": "deliveries/s",
            "baseline": round(baseline, 1),
            "baseline_label": BASELINE_LABEL,
            "ratio": round(ratio, 3),
            "target": target,
            "met": ratio >= GOAL_RATIO,
        }
        args.json_out.write_text(json.dumps([row], indent=2) + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
