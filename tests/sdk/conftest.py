"""A real `locum serve` process driven by Clerk's official Python SDK (clerk-backend-api 7.0.0).

The SDK's typed models reject any response whose shape differs from what Clerk sends, so these
tests catch serialization bugs the in-process tests can't. One server runs per test session.
"""

import gc
import os
import secrets
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from clerk_backend_api import Clerk, models
from clerk_backend_api.security.types import VerifyTokenOptions
from clerk_backend_api.security.verifytoken import verify_token
from clerk_backend_api.utils import BackoffStrategy, RetryConfig

from locum.kit.keys import new_secret_key
from tests.builders import free_port, unique_email
from tests.contract.spec import match_operation, validate_response
from tests.postgres import configured_database_url, create_database_beside, drop_database

READY_TIMEOUT_S = 90
HTTP_TIMEOUT_S = 30
# The SDK retries 5xx for up to an hour by default: a test must fail fast instead.
NO_RETRIES = RetryConfig("none", BackoffStrategy(1, 1, 1, 1), False)


def unique(prefix: str) -> str:
    """A name no other test (nor an earlier run against the same server) uses."""
    return f"{prefix}_{secrets.token_hex(4)}"


def new_user(clerk: Clerk, **fields: Any) -> models.User:
    """A user with a fresh email address and `fields`, created through the SDK."""
    return clerk.users.create(email_address=[unique_email("sdkuser")], **fields)


@contextmanager
def sdk_sockets_collected() -> Iterator[None]:
    """clerk-backend-api 7.0.0 verifies an opaque machine token through an httpx.Client it never
    closes: the socket's ResourceWarning (an error in this suite) is the SDK's, so it is dropped and
    the socket collected here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            yield
        finally:
            gc.collect()


class LocumServer:
    def __init__(
        self, origin: str, secret_key: str, process: subprocess.Popen[bytes], log: Path, environment: dict[str, str]
    ) -> None:
        self.origin = origin
        self.secret_key = secret_key
        self.process = process
        self.log = log
        self.environment = environment

    @property
    def api_url(self) -> str:
        return f"{self.origin}/v1"


def own_database_url(data_dir: Path) -> str:
    """A database for one server process: a SQLite file, or a new PostgreSQL database beside the
    test database when LOCUM_TEST_DATABASE_URL is set (each process has its own default instance)."""
    test_url = configured_database_url()
    if not test_url:
        return f"sqlite:///{data_dir / 'server.db'}"
    return create_database_beside(test_url, f"locum_server_{os.getpid()}_{free_port()}")


def drop_own_database(database_url: str) -> None:
    test_url = configured_database_url()
    if test_url and database_url.startswith("postgresql"):
        drop_database(test_url, database_url)


def start_server(
    data_dir: Path, *, extra_env: dict[str, str] | None = None, extra_args: tuple[str, ...] = ()
) -> LocumServer:
    port = free_port()
    secret_key = new_secret_key("development")
    locum_env = {
        "LOCUM_SECRET_KEY": secret_key,
        "LOCUM_DATA_DIR": str(data_dir),
        **(extra_env or {}),
    }
    if "LOCUM_DATABASE_URL" not in locum_env:
        locum_env["LOCUM_DATABASE_URL"] = own_database_url(data_dir)
    env = {**os.environ, **locum_env}
    log = data_dir / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "locum", "serve", "--port", str(port), *extra_args],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    origin = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"locum serve exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{origin}/healthz", timeout=1).status_code == 200:
                return LocumServer(origin, secret_key, process, log, locum_env)
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"locum serve was not ready in {READY_TIMEOUT_S}s:\n{log.read_text()}")


def stop_server(server: LocumServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    drop_own_database(server.environment["LOCUM_DATABASE_URL"])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocumServer]:
    running = start_server(tmp_path_factory.mktemp("sdk"))
    yield running
    stop_server(running)


@pytest.fixture
def clerk(server: LocumServer) -> Iterator[Clerk]:
    with Clerk(bearer_auth=server.secret_key, server_url=server.api_url, retry_config=NO_RETRIES) as sdk:
        yield sdk


def sdk_verify(server: LocumServer, token: str, **options: Any) -> dict[str, Any]:
    """What the SDK's own verify_token answers for `token` against the server: it posts opaque
    tokens to /m2m_tokens/verify, /api_keys/verify or /oauth_applications/access_tokens/verify
    (without /v1) and checks JWTs against GET /v1/jwks. `options` are VerifyTokenOptions fields."""
    with sdk_sockets_collected():
        return verify_token(
            token, VerifyTokenOptions(**{"api_url": server.origin, "secret_key": server.secret_key, **options})
        )


class OperationCallViolation(AssertionError):
    pass


def call_without_sdk(
    server: LocumServer, method: str, path_template: str, /, *, json: Any = None, **path_params: str
) -> httpx.Response:
    """`method` `path_template` (a spec path with `/v1`, its `{parameters}` filled from `path_params`)
    sent to the server with the instance's secret key, for the operations clerk-backend-api 7.0.0 has
    no method for; a JSON answer is checked against the spec's schema for that operation and status,
    as the SDK's typed models would check it."""
    operation = match_operation(method, path_template)
    if operation is None or "/v1" + operation.path != path_template:
        raise OperationCallViolation(f"no operation in the spec is {method.upper()} {path_template}")
    path = path_template.format(**path_params)
    response = httpx.request(
        method.upper(),
        f"{server.origin}{path}",
        json=json,
        headers={"Authorization": f"Bearer {server.secret_key}"},
        timeout=HTTP_TIMEOUT_S,
    )
    body = response.json() if response.content else None
    problems = validate_response(method, path, response.status_code, body)
    if problems:
        raise OperationCallViolation("\n".join(problems))
    return response
