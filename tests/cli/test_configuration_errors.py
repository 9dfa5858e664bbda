"""Configuration mistakes: one line naming the setting, what is wrong and what to do; exit code 2, no
traceback, and nothing made (no database, no key file)."""

import secrets
import socket
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.builders import free_port
from tests.cli.test_cli import run_locum
from tests.postgres import configured_database_url, database_named

CONFIGURATION_EXIT_CODE = 2
LISTENING_LINE = "locum listening on "


def mistake(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> str:
    """The one `Error:` line `locum *args` fails with (after the line saying where it listens, if any)."""
    result = run_locum(*args, env={"LOCUM_DATA_DIR": str(data_dir), "LOCUM_DATABASE_URL": "", **(env or {})})
    assert result.returncode == CONFIGURATION_EXIT_CODE, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith(LISTENING_LINE)]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert result.stdout == ""
    return lines[0]


def assert_nothing_made(data_dir: Path) -> None:
    assert not data_dir.exists() or list(data_dir.iterdir()) == []


def local_postgres() -> str:
    url = configured_database_url()
    if not url:
        pytest.skip("needs the local PostgreSQL server (LOCUM_TEST_DATABASE_URL)")
    return url


class TestDatabaseUrlScheme:
    def test_an_unknown_scheme_names_the_option_and_the_forms_to_use(self, tmp_path: Path) -> None:
        line = mistake("serve", "--database-url", "mysql://root@localhost/app", data_dir=tmp_path / "data")
        assert line.startswith("Error: --database-url: 'mysql' is not a database locum can use")
        assert "sqlite:///PATH" in line and "postgresql://" in line
        assert_nothing_made(tmp_path / "data")

    def test_from_the_environment_it_names_the_variable(self, tmp_path: Path) -> None:
        line = mistake("serve", data_dir=tmp_path, env={"LOCUM_DATABASE_URL": "sqlite:/x.db"})
        assert line.startswith("Error: LOCUM_DATABASE_URL: ")


class TestDriverInDatabaseUrl:
    def test_asyncpg_urls_are_refused_with_the_url_to_write(self, tmp_path: Path) -> None:
        line = mistake("serve", "--database-url", "postgresql+asyncpg://u@localhost/app", data_dir=tmp_path / "data")
        assert line == (
            "Error: --database-url: write postgresql://… without a driver (postgresql+asyncpg): locum picks its own"
        )
        assert_nothing_made(tmp_path / "data")


class TestSecretKey:
    def test_a_malformed_key_is_refused_without_being_repeated(self, tmp_path: Path) -> None:
        line = mistake("serve", data_dir=tmp_path / "data", env={"LOCUM_SECRET_KEY": "garbage"})
        assert line.startswith("Error: LOCUM_SECRET_KEY: not a Clerk secret key: give sk_test_… or sk_live_…")
        assert "garbage" not in line
        assert_nothing_made(tmp_path / "data")


class TestLogLevel:
    def test_an_unknown_level_lists_the_valid_ones(self, tmp_path: Path) -> None:
        line = mistake("serve", data_dir=tmp_path, env={"LOCUM_LOG_LEVEL": "verbose"})
        assert line == (
            "Error: LOCUM_LOG_LEVEL: 'verbose' is not a log level: give one of critical, error, warning, info, debug"
        )


class TestPortOutOfRange:
    def test_names_the_option(self, tmp_path: Path) -> None:
        assert mistake("serve", "--port", "70000", data_dir=tmp_path).startswith("Error: --port: ")


class TestPortInUse:
    def test_fails_before_the_database_or_the_key_file_is_made(self, tmp_path: Path) -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            line = mistake("serve", "--port", str(port), data_dir=tmp_path / "data")
        assert line.startswith(f"Error: --port (LOCUM_PORT): 127.0.0.1:{port} is already in use: ")
        assert "--port 0" in line
        assert not (tmp_path / "data").exists()


class TestUnreachablePostgres:
    def test_names_the_host_and_port_nobody_answers_on(self, tmp_path: Path) -> None:
        closed = free_port()
        url = f"postgresql://postgres@127.0.0.1:{closed}/locum"
        line = mistake("serve", "--port", "0", "--database-url", url, data_dir=tmp_path)
        assert line == (
            f"Error: --database-url (LOCUM_DATABASE_URL): no PostgreSQL server answers at 127.0.0.1:{closed}: "
            "start it, or correct the host and port"
        )


class TestMissingDatabase:
    def test_says_to_create_it(self, tmp_path: Path) -> None:
        missing = f"locum_missing_{secrets.token_hex(4)}"
        url = database_named(local_postgres(), missing)
        line = mistake("serve", "--port", "0", "--database-url", url, data_dir=tmp_path)
        assert line.startswith("Error: --database-url (LOCUM_DATABASE_URL): the PostgreSQL server at ")
        assert f"has no database '{missing}': create it (createdb {missing})" in line


class TestMissingRole:
    def test_says_to_create_it_or_use_another(self, tmp_path: Path) -> None:
        role = f"locum_nobody_{secrets.token_hex(4)}"
        server = urlsplit(local_postgres())
        url = urlunsplit(server._replace(netloc=f"{role}@{server.hostname}:{server.port or 5432}"))
        line = mistake("serve", "--port", "0", "--database-url", url, data_dir=tmp_path)
        assert f"refused the role '{role}': create it (createuser {role})" in line
