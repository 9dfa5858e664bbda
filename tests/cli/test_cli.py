"""`locum keys` and `locum serve` as a user runs them."""

import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from dotenv import dotenv_values

from locum.kit.keys import new_secret_key
from tests.builders import wait_until
from tests.sdk.conftest import start_server, stop_server


def run_locum(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "locum", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def dotenv(output: str) -> dict[str, str]:
    """The variables python-dotenv reads from `output` (dotenv lines), in order."""
    return {name: value or "" for name, value in dotenv_values(stream=io.StringIO(output)).items()}


def test_keys_prints_dotenv_lines_that_stay_the_same(tmp_path: Path) -> None:
    # The first run names the default database (a SQLite file in the data directory), which makes it;
    # the second finds it with an empty LOCUM_DATABASE_URL (the default).
    env = {
        "LOCUM_DATA_DIR": str(tmp_path),
        "LOCUM_PORT": "8799",
        "LOCUM_DATABASE_URL": f"sqlite:///{tmp_path}/locum.db",
    }
    first = run_locum("keys", env=env)
    assert first.returncode == 0, first.stderr
    values = dotenv(first.stdout)
    assert list(values) == ["CLERK_SECRET_KEY", "CLERK_PUBLISHABLE_KEY", "CLERK_API_URL", "CLERK_JWT_KEY"]
    assert values["CLERK_SECRET_KEY"].startswith("sk_test_")
    assert values["CLERK_PUBLISHABLE_KEY"].startswith("pk_test_")
    assert values["CLERK_API_URL"] == "http://127.0.0.1:8799"
    assert values["CLERK_JWT_KEY"].startswith("-----BEGIN PUBLIC KEY-----") and "\n" not in values["CLERK_JWT_KEY"]
    assert dotenv(run_locum("keys", env={**env, "LOCUM_DATABASE_URL": ""}).stdout) == values


def test_keys_honours_database_url_flag_and_secret_key(tmp_path: Path) -> None:
    secret = new_secret_key("development")
    database = tmp_path / "chosen.db"
    result = run_locum(
        "keys",
        "--database-url",
        f"sqlite:///{database}",
        env={"LOCUM_DATA_DIR": str(tmp_path), "LOCUM_SECRET_KEY": secret},
    )
    assert result.returncode == 0, result.stderr
    assert dotenv(result.stdout)["CLERK_SECRET_KEY"] == secret
    assert database.exists()


def test_serve_accepts_exactly_the_configured_key_and_signs_with_the_printed_jwt_key(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        log = server.log.read_text()
        assert f"CLERK_SECRET_KEY={server.secret_key}" in log and "CLERK_PUBLISHABLE_KEY=pk_test_" in log
        ok = httpx.get(f"{server.api_url}/jwks", headers={"Authorization": f"Bearer {server.secret_key}"})
        assert ok.status_code == 200 and ok.headers["content-type"] == "application/json"
        other = httpx.get(
            f"{server.api_url}/jwks", headers={"Authorization": f"Bearer {new_secret_key('development')}"}
        )
        assert other.status_code == 401 and other.json()["errors"][0]["code"] == "clerk_key_invalid"
        printed = dotenv(run_locum("keys", env=server.environment).stdout)
        printed_key = load_pem_public_key(printed["CLERK_JWT_KEY"].encode())
        assert isinstance(printed_key, RSAPublicKey)
        assert printed_key.public_numbers() == jwt.PyJWK(ok.json()["keys"][0]).key.public_numbers()
    finally:
        stop_server(server)


def test_memory_database_serves(tmp_path: Path) -> None:
    server = start_server(tmp_path, extra_env={"LOCUM_DATABASE_URL": "sqlite:///:memory:"})
    try:
        response = httpx.post(
            f"{server.api_url}/users", json={}, headers={"Authorization": f"Bearer {server.secret_key}"}
        )
        assert response.status_code == 200
    finally:
        stop_server(server)


def test_several_workers_share_only_the_database(tmp_path: Path) -> None:
    server = start_server(tmp_path, extra_args=("--workers", "2"))
    try:
        # The server answers once one worker is up; the other may still be starting on a loaded machine.
        wait_until(lambda: server.log.read_text().count("Started server process") == 2, "both workers", within_s=30)
        headers = {"Authorization": f"Bearer {server.secret_key}"}
        with httpx.Client(base_url=server.api_url, headers=headers) as http:
            created = http.post("/users", json={"email_address": ["workers@example.com"]}).json()
            # New connections are spread over both workers; every one must see the user and the key.
            for _ in range(20):
                with httpx.Client(base_url=server.api_url, headers=headers) as fresh:
                    assert fresh.get(f"/users/{created['id']}").json() == created
        assert server.log.read_text().count("CLERK_SECRET_KEY=") == 1, "keys are printed once, by the parent"
    finally:
        stop_server(server)
