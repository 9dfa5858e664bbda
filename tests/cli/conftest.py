"""Fixtures of the tests that run `locum` processes."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from locum.kit.keys import new_secret_key
from tests.builders import wait_until
from tests.sdk.conftest import drop_own_database, own_database_url


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, shared by the processes it starts (dropped afterwards)."""
    url = own_database_url(tmp_path)
    yield url
    drop_own_database(url)


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
