"""A small HTTP/1.1 keep-alive load generator (asyncio streams): N connections, each sending one
request at a time, for a fixed duration. Enough to saturate a 2-core server from the same machine."""

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    seconds: float
    non_2xx: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


async def _connection(
    host: str, port: int, next_request: Callable[[], bytes], stop_at: float, result: LoadResult
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            writer.write(next_request())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            result.requests += 1
            if not 200 <= status < 300:
                result.non_2xx += 1
    finally:
        writer.close()


def request_bytes(host: str, port: int, path: str, headers: dict[str, str], body: bytes | None = None) -> bytes:
    """A GET of `path`, or a POST of `body` (JSON) when one is given."""
    method = "GET" if body is None else "POST"
    if body is not None:
        headers = {**headers, "Content-Type": "application/json", "Content-Length": str(len(body))}
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode() + (body or b"")


async def run_load(
    host: str,
    port: int,
    paths: list[str],
    headers: dict[str, str],
    *,
    seconds: float,
    connections: int,
    bodies: list[bytes] | None = None,
) -> LoadResult:
    """Cycles through `paths` (GETs), or through `paths` and `bodies` together (POSTs) when bodies are given."""
    requests = [
        request_bytes(host, port, path, headers, body)
        for path, body in zip(paths, bodies if bodies is not None else [None] * len(paths), strict=True)
    ]
    prepared = itertools.cycle(requests)
    result = LoadResult(requests=0, seconds=seconds, non_2xx=0)
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_connection(host, port, lambda: next(prepared), stop_at, result) for _ in range(connections))
    )
    result.seconds = time.perf_counter() - started
    return result
