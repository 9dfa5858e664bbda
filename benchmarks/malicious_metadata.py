"""How long `locum serve` takes to refuse hostile SAML metadata, against a valid connection created in
the same run (issue 13: a Clerk-format 4xx within a second, and the server keeps serving).

Starts `locum serve` (one worker, SQLite in a temporary directory) and times, over --rounds rounds each:
a valid enterprise connection with IdP metadata (the baseline), a billion-laughs document, an external
entity (XXE), a 50 MB document in the body, and a metadata URL that streams 50 MB. Each hostile request
must get its 4xx; `/healthz` must answer after each. Prints the median and worst time of each and the
ratio of the median to the baseline's.
"""

import argparse
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from tests.builders import idp_metadata_xml
from users_read import HOST, free_port, start_locum

FIFTY_MB = 50 * 1024 * 1024
CHUNK = b"<a>" + b"x" * (1024 * 1024 - 7) + b"</a>\n"
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n  <!ENTITY lol0 "lol">\n'
    + "".join(f'  <!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">\n' for level in range(1, 10))
    + ']>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol9;"/>\n'
)
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE md [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&xxe;"/>\n'
)


class EndlessMetadata(BaseHTTPRequestHandler):
    """Serves 50 MB of XML as fast as the reader takes it."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(FIFTY_MB))
        self.end_headers()
        try:
            for _ in range(FIFTY_MB // len(CHUNK)):
                self.wfile.write(CHUNK)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


def connection_body(saml: dict[str, str]) -> dict[str, object]:
    return {
        "name": "Benchmark",
        "provider": "saml_custom",
        "domains": [f"bench-{secrets.token_hex(6)}.example.com"],
        "saml": saml,
    }


def timed(send: Callable[[], httpx.Response], expected_status: int, origin: str) -> float:
    started = time.perf_counter()
    response = send()
    elapsed = time.perf_counter() - started
    if response.status_code != expected_status:
        raise SystemExit(f"expected {expected_status}, got {response.status_code}: {response.text[:300]}")
    if httpx.get(f"{origin}/healthz", timeout=30).status_code != 200:
        raise SystemExit("the server stopped answering /healthz")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    metadata_server = ThreadingHTTPServer((HOST, 0), EndlessMetadata)
    threading.Thread(target=metadata_server.serve_forever, daemon=True).start()
    endless_url = f"http://{HOST}:{metadata_server.server_address[1]}/metadata"
    secret_key = f"sk_test_{secrets.token_urlsafe(30)}"
    port = free_port()
    origin = f"http://{HOST}:{port}"
    huge_document = "<a>" + "x" * FIFTY_MB + "</a>"
    with tempfile.TemporaryDirectory() as data_dir:
        process = start_locum(port, 1, f"sqlite:///{data_dir}/locum.db", secret_key, data_dir)
        try:
            with httpx.Client(
                base_url=f"{origin}/v1", headers={"Authorization": f"Bearer {secret_key}"}, timeout=60
            ) as api:

                def create(saml: dict[str, str]) -> Callable[[], httpx.Response]:
                    return lambda: api.post("/enterprise_connections", json=connection_body(saml))

                cases: list[tuple[str, Callable[[], httpx.Response], int]] = [
                    ("valid metadata (baseline)", create({"idp_metadata": idp_metadata_xml()}), 201),
                    ("billion laughs", create({"idp_metadata": BILLION_LAUGHS}), 422),
                    ("external entity (XXE)", create({"idp_metadata": XXE}), 422),
                    ("50 MB document in the body", create({"idp_metadata": huge_document}), 413),
                    ("metadata URL streaming 50 MB", create({"idp_metadata_url": endless_url}), 422),
                ]
                timings = {
                    name: [timed(send, status, origin) for _ in range(args.rounds)] for name, send, status in cases
                }
        finally:
            process.terminate()
            process.wait(timeout=30)
            metadata_server.shutdown()

    baseline = statistics.median(timings[cases[0][0]])
    print(f"{'request':<32} {'median':>9} {'worst':>9} {'vs baseline':>11}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:<32} {median * 1000:>7.1f}ms {max(values) * 1000:>7.1f}ms {median / baseline:>10.1f}x")
    worst = max(max(values) for name, values in timings.items() if name != cases[0][0])
    print(f"worst hostile request: {worst * 1000:.0f} ms (goal: under 1 s); /healthz answered after every request")


if __name__ == "__main__":
    main()
