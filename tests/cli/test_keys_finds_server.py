"""`locum keys` finds the running server through the state file `locum serve` keeps in its data
directory (LOCUM_DATA_DIR, default ./.locum): its database and the URL clients reach it at. Where
there is no database it refuses rather than make an instance no server knows."""

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.conftest import serving
from tests.cli.test_cli import dotenv, run_locum
from tests.sdk.conftest import drop_own_database, own_database_url

KEY_NAMES = ("CLERK_SECRET_KEY", "CLERK_PUBLISHABLE_KEY", "CLERK_API_URL", "CLERK_JWT_KEY")
REFUSAL_EXIT_CODE = 1
# Node's own dotenv parser (the `dotenv` package's rules), printing what it read as JSON.
NODE_PARSE_ENV = "process.stdout.write(JSON.stringify(require('util').parseEnv(require('fs').readFileSync(0, 'utf8'))))"
# What a shell gets from `set -a; source .env`: each variable's value, NUL-terminated.
PRINT_KEYS = "; ".join(f'printf "%s\\0" "${name}"' for name in KEY_NAMES)


@dataclass(frozen=True)
class Project:
    """A folder with a `locum serve` running from its ./.locum."""

    root: Path
    data_dir: Path
    origin: str
    secret_key: str
    log: Path


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path_factory.mktemp("project")
    data_dir = root / ".locum"
    data_dir.mkdir()
    database_url = own_database_url(root)
    try:
        with serving(data_dir, database_url) as (origin, secret_key, log):
            yield Project(root, data_dir, origin, secret_key, log)
    finally:
        drop_own_database(database_url)


def keys_output(cwd: Path, **env: str) -> str:
    """`locum keys` run in `cwd` with no database named (LOCUM_DATABASE_URL empty)."""
    result = run_locum("keys", env={"LOCUM_DATABASE_URL": "", **env}, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def refusal(*args: str, cwd: Path, **env: str) -> str:
    result = run_locum(*args, env={"LOCUM_DATABASE_URL": "", **env}, cwd=cwd)
    assert result.returncode == REFUSAL_EXIT_CODE, result.stderr
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr.strip()


class TestAnotherFolder:
    def test_keys_reads_the_server_that_LOCUM_DATA_DIR_names(self, project: Project, tmp_path: Path) -> None:
        printed = dotenv(keys_output(tmp_path, LOCUM_DATA_DIR=str(project.data_dir)))
        assert printed["CLERK_SECRET_KEY"] == project.secret_key
        assert printed["CLERK_API_URL"] == project.origin
        assert list(tmp_path.iterdir()) == []

    def test_keys_reads_the_server_of_dot_locum_in_the_working_directory(self, project: Project) -> None:
        printed = dotenv(keys_output(project.root))
        assert printed["CLERK_SECRET_KEY"] == project.secret_key
        assert printed["CLERK_API_URL"] == project.origin


class TestAnotherPort:
    def test_the_api_url_has_the_port_the_server_bound_whatever_LOCUM_PORT_says(self, project: Project) -> None:
        assert not project.origin.endswith(":8700")
        assert dotenv(keys_output(project.root, LOCUM_PORT="8700"))["CLERK_API_URL"] == project.origin

    def test_port_on_the_command_line_wins(self, project: Project) -> None:
        result = run_locum("keys", "--port", "9123", env={"LOCUM_DATABASE_URL": ""}, cwd=project.root)
        assert dotenv(result.stdout)["CLERK_API_URL"] == "http://127.0.0.1:9123"


class TestAllInterfaces:
    def test_a_server_on_0_0_0_0_is_reached_on_loopback(self, tmp_path: Path) -> None:
        with serving(tmp_path, "", "--host", "0.0.0.0") as (origin, _, log):
            assert origin.startswith("http://127.0.0.1:")
            assert f"CLERK_API_URL={origin}\n" in log.read_text()
            assert dotenv(keys_output(tmp_path, LOCUM_DATA_DIR=str(tmp_path)))["CLERK_API_URL"] == origin


class TestNoDatabase:
    def test_refuses_in_one_line_saying_where_it_looked_and_makes_nothing(self, tmp_path: Path) -> None:
        line = refusal("keys", cwd=tmp_path)
        assert line == (
            f"Error: no locum database in {tmp_path / '.locum'} and no locum serve running from it: start one with "
            "`locum serve`, or point LOCUM_DATA_DIR (or --database-url) at the server's"
        )
        assert list(tmp_path.iterdir()) == []

    def test_other_commands_needing_the_instance_refuse_alike(self, tmp_path: Path) -> None:
        for command in (("instances", "list"), ("webhooks", "list"), ("reset",)):
            assert refusal(*command, cwd=tmp_path).startswith("Error: no locum database in ")
        assert list(tmp_path.iterdir()) == []

    def test_a_state_file_whose_server_is_gone_is_ignored(self, tmp_path: Path) -> None:
        gone = subprocess.Popen(["true"])
        gone.wait()
        data_dir = tmp_path / ".locum"
        data_dir.mkdir()
        (data_dir / "serve.json").write_text(
            json.dumps({"origin": "http://127.0.0.1:1", "port": 1, "database_url": "", "pid": gone.pid})
        )
        assert refusal("keys", cwd=tmp_path).startswith(f"Error: no locum database in {data_dir} ")


class TestMemoryServer:
    def test_keys_says_where_the_keys_are_instead_of_inventing_an_instance(self, tmp_path: Path) -> None:
        with serving(tmp_path, "sqlite:///:memory:"):
            line = refusal("keys", cwd=tmp_path, LOCUM_DATA_DIR=str(tmp_path))
        assert "keeps its database in memory" in line and "start-up banner" in line and "LOCUM_SECRET_KEY" in line
        assert not (tmp_path / "locum.db").exists()


class TestStateFile:
    def test_is_private_to_the_user_and_holds_no_key(self, project: Project) -> None:
        state_file = project.data_dir / "serve.json"
        assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
        state = json.loads(state_file.read_text())
        assert state["origin"] == project.origin and state["port"] == int(project.origin.rsplit(":", 1)[1])
        assert "sk_" not in state_file.read_text()

    def test_is_removed_when_the_server_stops(self, tmp_path: Path) -> None:
        with serving(tmp_path, ""):
            assert (tmp_path / "serve.json").exists()
        assert not (tmp_path / "serve.json").exists()


class TestDotenvOutput:
    def test_bash_source_reads_the_values_python_dotenv_reads(self, project: Project, tmp_path: Path) -> None:
        env_file = tmp_path / ".env"
        env_file.write_text(keys_output(project.root))
        expected = dotenv(env_file.read_text())
        assert " " in expected["CLERK_JWT_KEY"], "the one-line PEM has spaces: it must be quoted"
        sourced = subprocess.run(
            [
                "bash",
                "-c",
                f"set -a; source {env_file}; " + "; ".join(f'printf "%s\\0" "${name}"' for name in KEY_NAMES),
            ],
            env={"PATH": os.environ["PATH"]},
            capture_output=True,
            text=True,
            check=True,
        )
        assert dict(zip(KEY_NAMES, sourced.stdout.split("\0")[:-1], strict=True)) == expected

    @pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
    def test_node_reads_the_values_python_dotenv_reads(self, project: Project) -> None:
        output = keys_output(project.root)
        parsed = subprocess.run(
            [
                "node",
                "-e",
                "process.stdout.write(JSON.stringify(require('util').parseEnv(require('fs').readFileSync(0, 'utf8'))))",
            ],
            input=output,
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(parsed.stdout) == dotenv(output)

    def test_the_banner_prints_the_lines_keys_prints(self, project: Project) -> None:
        banner = project.log.read_text().splitlines()
        assert [line for line in banner if line.startswith(tuple(f"{name}=" for name in KEY_NAMES))] == (
            keys_output(project.root).splitlines()
        )
