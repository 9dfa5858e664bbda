"""Start-up with a master key that does not fit the database: refused with one line, key file untouched.

Every command that opens the database checks the key first, so `locum serve` never starts only to
answer 500, and no command writes a new key beside a database whose secrets an older key sealed.
"""

import stat
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from locum.kit.keys import new_secret_key
from tests.builders import free_port
from tests.cli.test_cli import run_locum
from tests.sdk.conftest import start_server, stop_server

WITH_AND_WITHOUT_SECRET_KEY = pytest.mark.parametrize(
    "secret_key", [pytest.param(True, id="LOCUM_SECRET_KEY-set"), pytest.param(False, id="LOCUM_SECRET_KEY-unset")]
)


def another_key() -> bytes:
    return Fernet.generate_key()


def prepared_env(tmp_path: Path, database_url: str, *, secret_key: bool) -> dict[str, str]:
    """The environment of a data directory whose database holds sealed secrets (made by `locum keys`)."""
    env = {"LOCUM_DATA_DIR": str(tmp_path / "data"), "LOCUM_DATABASE_URL": database_url, "LOCUM_MASTER_KEY": ""}
    if secret_key:
        env["LOCUM_SECRET_KEY"] = new_secret_key("development")
    first = run_locum("keys", env=env)
    assert first.returncode == 0, first.stderr
    return env


def serve() -> tuple[str, ...]:
    return ("serve", "--port", str(free_port()))


def assert_refused(command: tuple[str, ...], env: dict[str, str], *, naming: str) -> None:
    result = run_locum(*command, env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ") and naming in line, line


class TestRefusedMasterKey:
    @WITH_AND_WITHOUT_SECRET_KEY
    def test_a_deleted_key_file_is_not_replaced(self, tmp_path: Path, database_url: str, secret_key: bool) -> None:
        env = prepared_env(tmp_path, database_url, secret_key=secret_key)
        key_file = tmp_path / "data" / "master.key"
        key_file.unlink()

        assert_refused(serve(), env, naming=f"{key_file} is missing")
        assert not key_file.exists()

    @WITH_AND_WITHOUT_SECRET_KEY
    def test_a_key_file_holding_another_key_is_refused_and_kept(
        self, tmp_path: Path, database_url: str, secret_key: bool
    ) -> None:
        env = prepared_env(tmp_path, database_url, secret_key=secret_key)
        key_file = tmp_path / "data" / "master.key"
        replacement = another_key()
        key_file.write_bytes(replacement)

        assert_refused(serve(), env, naming=f"the master key in {key_file} does not open")
        assert key_file.read_bytes() == replacement

    @WITH_AND_WITHOUT_SECRET_KEY
    def test_a_wrong_master_key_variable_is_refused(self, tmp_path: Path, database_url: str, secret_key: bool) -> None:
        env = prepared_env(tmp_path, database_url, secret_key=secret_key)
        key_file = tmp_path / "data" / "master.key"
        original = key_file.read_bytes()

        assert_refused(
            serve(), {**env, "LOCUM_MASTER_KEY": another_key().decode()}, naming="LOCUM_MASTER_KEY does not open"
        )
        assert key_file.read_bytes() == original

    def test_a_key_file_that_holds_no_key_is_refused_and_kept(self, tmp_path: Path, database_url: str) -> None:
        env = prepared_env(tmp_path, database_url, secret_key=True)
        key_file = tmp_path / "data" / "master.key"
        key_file.write_bytes(b"not a key\n")

        assert_refused(serve(), env, naming=f"the master key in {key_file} is not a key")
        assert key_file.read_bytes() == b"not a key\n"

    @pytest.mark.parametrize(
        "command", [("worker",), ("keys",), ("keys", "rotate"), ("webhooks", "list")], ids=" ".join
    )
    def test_every_command_that_opens_the_database_refuses_it(
        self, tmp_path: Path, database_url: str, command: tuple[str, ...]
    ) -> None:
        env = prepared_env(tmp_path, database_url, secret_key=False)
        key_file = tmp_path / "data" / "master.key"
        replacement = another_key()
        key_file.write_bytes(replacement)

        assert_refused(command, env, naming=f"the master key in {key_file} does not open")
        assert key_file.read_bytes() == replacement


class TestFreshDataDirectory:
    def test_serve_makes_a_private_key_and_starts(self, tmp_path: Path, database_url: str) -> None:
        data_dir = tmp_path / "data"
        env = {"LOCUM_DATA_DIR": str(data_dir), "LOCUM_DATABASE_URL": database_url, "LOCUM_MASTER_KEY": ""}
        server = start_server(tmp_path, extra_env=env)
        try:
            response = httpx.get(f"{server.api_url}/jwks", headers={"Authorization": f"Bearer {server.secret_key}"})
            assert response.status_code == 200
        finally:
            stop_server(server)
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE((data_dir / "master.key").stat().st_mode) == 0o600
