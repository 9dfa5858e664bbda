"""An ephemeral `locum serve` for a test session: a subprocess on a free port (`--port 0`), a data
directory of its own, and a fresh development instance whose keys the tests use.

The instance is made through `POST /locum/instances` with the default instance's key (read from the
banner): on a database shared by several servers (pytest-xdist workers given one PostgreSQL URL),
each server's tests still have an instance, and resets, of their own.
"""

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from locum.kit.sealing import create_master_key, read_master_key

MASTER_KEY_FILE = "locum-master.key"
READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10
HTTP_TIMEOUT_S = 30
LISTENING_LINE = re.compile(r"^locum listening on (http://\S+)$", re.MULTILINE)
BANNER_SECRET_KEY = re.compile(r"^CLERK_SECRET_KEY=(\S+)$", re.MULTILINE)


class LocumServerError(RuntimeError):
    """The server did not start (its log is in the message)."""


@dataclass
class LocumTestServer:
    """A running `locum serve` and the development instance the tests use.

    `api_url` is the origin (CLERK_API_URL: Clerk's SDKs add /v1 themselves, clerk-backend-api's
    `server_url` wants `f"{api_url}/v1"`); `jwt_key` is the PEM public key that verifies the
    instance's session tokens (CLERK_JWT_KEY)."""

    api_url: str
    secret_key: str
    publishable_key: str
    jwt_key: str
    instance_id: str
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path = field(repr=False)

    @property
    def server_url(self) -> str:
        """The Backend API's base URL, with /v1 (clerk-backend-api's `server_url`)."""
        return f"{self.api_url}/v1"

    @property
    def environment(self) -> dict[str, str]:
        """The variables Clerk's SDKs read: CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, CLERK_API_URL, CLERK_JWT_KEY."""
        return {
            "CLERK_SECRET_KEY": self.secret_key,
            "CLERK_PUBLISHABLE_KEY": self.publishable_key,
            "CLERK_API_URL": self.api_url,
            "CLERK_JWT_KEY": self.jwt_key,
        }

    def reset(self) -> None:
        """Clear the instance's data (users, organizations, sessions, …), keeping its keys and configuration."""
        response = httpx.post(
            f"{self.api_url}/locum/reset",
            headers={"Authorization": f"Bearer {self.secret_key}"},
            timeout=HTTP_TIMEOUT_S,
        )
        response.raise_for_status()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_locum(data_dir: Path, *, database_url: str | None = None, master_key: str | None = None) -> LocumTestServer:
    """Start `locum serve --port 0` with `data_dir` (a SQLite database in it unless `database_url`),
    wait until it answers, and make the tests' instance. LOCUM_* variables of the calling
    environment are not passed on: the server is the test session's, configured here alone. A
    database shared by several servers (or runs) needs the one `master_key` its secrets are sealed
    with; without one, the server makes a key file in `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {name: value for name, value in os.environ.items() if not name.startswith("LOCUM_")}
    environment.update(
        {
            "LOCUM_DATA_DIR": str(data_dir),
            "LOCUM_DATABASE_URL": database_url or f"sqlite:///{data_dir / 'locum.db'}",
            "LOCUM_HOST": "127.0.0.1",
            "LOCUM_LOG_LEVEL": "warning",
        }
    )
    if master_key:
        environment["LOCUM_MASTER_KEY"] = master_key
    log_path = data_dir / "locum-serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "locum", "serve", "--port", "0"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        origin, default_key = _wait_until_ready(process, log_path)
        instance = _new_instance(origin, default_key)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return LocumTestServer(
        api_url=origin,
        secret_key=instance["secret_key"],
        publishable_key=instance["publishable_key"],
        jwt_key=instance["jwt_key"],
        instance_id=instance["id"],
        process=process,
        log_path=log_path,
    )


def shared_master_key(directory: Path) -> str:
    """The master key kept in `directory` (made the first time; several processes may ask at once)."""
    key_file = directory / MASTER_KEY_FILE
    return (read_master_key(key_file) or create_master_key(key_file)).decode()


def _wait_until_ready(process: subprocess.Popen[bytes], log_path: Path) -> tuple[str, str]:
    """The server's origin and its default instance's secret key, once /healthz answers."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocumServerError(f"locum serve exited with {process.returncode}:\n{log_path.read_text()}")
        output = log_path.read_text(errors="replace")
        listening, secret_key = LISTENING_LINE.search(output), BANNER_SECRET_KEY.search(output)
        if listening and secret_key:
            try:
                if httpx.get(f"{listening.group(1)}/healthz", timeout=1).status_code == 200:
                    return listening.group(1), secret_key.group(1)
            except httpx.TransportError:
                pass
        time.sleep(0.02)
    raise LocumServerError(f"locum serve was not ready within {READY_TIMEOUT_S}s:\n{log_path.read_text()}")


def _new_instance(api_url: str, default_key: str) -> dict[str, str]:
    response = httpx.post(
        f"{api_url}/locum/instances",
        json={"environment_type": "development"},
        headers={"Authorization": f"Bearer {default_key}"},
        timeout=HTTP_TIMEOUT_S,
    )
    if response.status_code != 200:
        raise LocumServerError(f"locum serve refused to make the tests' instance: {response.status_code}")
    instance: dict[str, str] = response.json()
    return instance
