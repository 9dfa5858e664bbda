"""A stand-in for an application's Clerk proxy: a real HTTP server on loopback, in a thread, that
answers `/v1/proxy-health` as Clerk's Frontend API does through a working proxy, or however a test
tells it to (another status, another body, a redirect), and records the requests it got."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson

HOST = "127.0.0.1"
HEALTHY_BODY = orjson.dumps({"status": "healthy", "x_forwarded_for": HOST})


@dataclass
class FakeProxy:
    url: str = ""
    status: int = 200
    body: bytes = HEALTHY_BODY
    headers: dict[str, str] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    delay_s: float = 0.0


@contextmanager
def fake_proxy(path_prefix: str = "/__clerk") -> Iterator[FakeProxy]:
    """A running fake proxy whose `url` is `http://127.0.0.1:<port><path_prefix>`."""
    proxy = FakeProxy()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            proxy.paths.append(self.path)
            time.sleep(proxy.delay_s)
            self.send_response(proxy.status)
            for name, value in {"content-type": "application/json", **proxy.headers}.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(proxy.body)))
            self.end_headers()
            self.wfile.write(proxy.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    proxy.url = f"http://{HOST}:{server.server_address[1]}{path_prefix}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
