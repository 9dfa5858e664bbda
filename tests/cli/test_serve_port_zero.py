"""`locum serve --port 0`: it listens on a free port and says which, in its first line and its banner."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from locum.kit.keys import new_secret_key
from tests.builders import wait_until

LISTENING = re.compile(r"^locum listening on http://127\.0\.0\.1:(\d+)$", re.MULTILINE)


@contextmanager
def serving(tmp_path: Path, database_url: str, *args: str) -> Iterator[tuple[str, str, Path]]:
    """`locum serve --port 0 *args` running: (its origin, its secret key, its log)."""
    secret_key = new_secret_key("development")
    env = {
        **os.environ,
        "LOCUM_DATA_DIR": str(tmp_path),
        "LOCUM_DATABASE_URL": database_url,
        "LOCUM_SECRET_KEY": secret_key,
        "LOCUM_PORT": "8700",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "locum", "serve", "--port", "0", *args], env=env, stdout=output, stderr=output
        )
    try:
        wait_until(lambda: "CLERK_API_URL=" in log.read_text() or process.poll() is not None, "banner", within_s=60)
        listening = LISTENING.search(log.read_text())
        assert listening is not None, log.read_text()
        origin = f"http://127.0.0.1:{listening.group(1)}"
        # The socket listens from the start: a connection waits in its backlog until the app accepts it.
        assert httpx.get(f"{origin}/healthz", timeout=60).status_code == 200
        yield origin, secret_key, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_listens_on_a_free_port_and_reports_it_everywhere(tmp_path: Path, database_url: str) -> None:
    with serving(tmp_path, database_url) as (origin, secret_key, log):
        output = log.read_text()
        assert output.splitlines()[0] == f"locum listening on {origin}"
        assert f"CLERK_API_URL={origin}\n" in output
        assert f"at {origin}/v1" in output
        assert int(origin.rsplit(":", 1)[1]) not in (0, 8700)
        # URLs locum renders carry the real port too.
        created = httpx.post(
            f"{origin}/locum/instances",
            json={"environment_type": "development"},
            headers={"Authorization": f"Bearer {secret_key}"},
        )
        assert created.status_code == 200, created.text
        assert created.json()["api_url"] == origin


def test_two_servers_get_different_ports(tmp_path: Path, database_url: str) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    with (
        serving(first, f"sqlite:///{first / 'locum.db'}") as (one, _, _),
        serving(second, f"sqlite:///{second / 'locum.db'}") as (other, _, _),
    ):
        assert one != other
        assert httpx.get(f"{one}/healthz").status_code == httpx.get(f"{other}/healthz").status_code == 200


def test_several_workers_share_the_free_port(tmp_path: Path, database_url: str) -> None:
    with serving(tmp_path, database_url, "--workers", "2") as (origin, secret_key, log):
        wait_until(lambda: log.read_text().count("Started server process") == 2, "both workers", within_s=60)
        headers = {"Authorization": f"Bearer {secret_key}"}
        created = httpx.post(f"{origin}/v1/users", json={}, headers=headers)
        assert created.status_code == 200, created.text
        for _ in range(10):
            with httpx.Client(headers=headers) as fresh:
                assert fresh.get(f"{origin}/v1/users/{created.json()['id']}").status_code == 200
