"""`locum reset`: an instance's data cleared from a shell while `locum serve` runs on the database."""

from pathlib import Path

import httpx

from tests.cli.test_instances import Cli
from tests.sdk.conftest import start_server, stop_server


def users_count(origin: str, secret_key: str) -> int:
    response = httpx.get(f"{origin}/v1/users/count", headers={"Authorization": f"Bearer {secret_key}"})
    assert response.status_code == 200, response.text
    count: int = response.json()["total_count"]
    return count


def make_user(origin: str, secret_key: str) -> None:
    response = httpx.post(f"{origin}/v1/users", json={}, headers={"Authorization": f"Bearer {secret_key}"})
    assert response.status_code == 200, response.text


def test_clears_one_instance_while_the_server_runs(tmp_path: Path, database_url: str) -> None:
    server = start_server(tmp_path, extra_env={"LOCUM_DATABASE_URL": database_url})
    cli = Cli(tmp_path, database_url)
    try:
        _, other = cli.create("development")
        for key in (server.secret_key, other["CLERK_SECRET_KEY"]):
            make_user(server.origin, key)
            make_user(server.origin, key)

        default_reset = cli.run("reset")
        other_id = cli.run("instances", "list").stdout.splitlines()[2].split()[0]
        other_reset = cli.run("reset", "--instance", other_id)

        assert default_reset.returncode == 0, default_reset.stderr
        assert "rows deleted" in default_reset.stderr
        assert users_count(server.origin, server.secret_key) == 0
        assert other_reset.returncode == 0, other_reset.stderr
        assert users_count(server.origin, other["CLERK_SECRET_KEY"]) == 0
        # The keys stay: the running server still takes them.
        make_user(server.origin, server.secret_key)
        assert users_count(server.origin, server.secret_key) == 1
    finally:
        stop_server(server)


def test_keeps_the_other_instances_data(tmp_path: Path, database_url: str) -> None:
    cli = Cli(tmp_path, database_url)
    _, other = cli.create("development")
    server = start_server(tmp_path, extra_env={"LOCUM_DATABASE_URL": database_url})
    try:
        make_user(server.origin, other["CLERK_SECRET_KEY"])

        assert cli.run("reset").returncode == 0

        assert users_count(server.origin, other["CLERK_SECRET_KEY"]) == 1
    finally:
        stop_server(server)


def test_refuses_production_instances_and_unknown_ones(tmp_path: Path, database_url: str) -> None:
    cli = Cli(tmp_path, database_url)
    production_id, _ = cli.create("production")

    production = cli.run("reset", "--instance", production_id)
    unknown = cli.run("reset", "--instance", "ins_unknown")

    assert production.returncode == 1
    assert "only available on development instances" in production.stderr
    assert unknown.returncode == 1
    assert "Error:" in unknown.stderr and "Traceback" not in unknown.stderr
