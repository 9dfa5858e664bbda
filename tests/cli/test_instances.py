"""`locum instances create` / `list` and `locum keys --instance`, run as a user runs them, and a
running `locum serve` taking a new instance's key at once."""

import base64
import subprocess
from pathlib import Path

import httpx
import jwt
import pytest
from clerk_backend_api import Clerk, models
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from tests.builders import unique_email
from tests.cli.test_cli import dotenv, run_locum
from tests.sdk.conftest import NO_RETRIES, LocumServer, start_server, stop_server

KEY_NAMES = ["CLERK_SECRET_KEY", "CLERK_PUBLISHABLE_KEY", "CLERK_API_URL", "CLERK_JWT_KEY"]


def created_instance(environment: str, env: dict[str, str], *flags: str) -> tuple[str, dict[str, str]]:
    """`locum instances create`: the id on its first (comment) line, and the dotenv lines after it."""
    result = run_locum("instances", "create", "--environment", environment, *flags, env=env)
    assert result.returncode == 0, result.stderr
    comment, *lines = result.stdout.strip().splitlines()
    instance_id, printed_environment = comment.removeprefix("# ").split()
    assert instance_id.startswith("ins_") and printed_environment == f"({environment})"
    return instance_id, dotenv("\n".join(lines))


def sdk(server: LocumServer, secret_key: str) -> Clerk:
    """Clerk's Python SDK against the server, with an instance's secret key."""
    return Clerk(bearer_auth=secret_key, server_url=server.api_url, retry_config=NO_RETRIES)


def frontend_host(publishable_key: str) -> str:
    encoded = publishable_key.split("_", 2)[2]
    decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    assert decoded.endswith("$") and decoded.count("$") == 1
    return decoded.removesuffix("$")


class Cli:
    """`locum` run on one database given with --database-url, as a user would."""

    def __init__(self, data_dir: Path, database_url: str) -> None:
        self.env = {"LOCUM_DATA_DIR": str(data_dir), "LOCUM_PORT": "8798"}
        self.flags = ("--database-url", database_url)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_locum(*args, *self.flags, env=self.env)

    def create(self, environment: str) -> tuple[str, dict[str, str]]:
        return created_instance(environment, self.env, *self.flags)

    def keys(self, *args: str) -> dict[str, str]:
        result = self.run("keys", *args)
        assert result.returncode == 0, result.stderr
        return dotenv(result.stdout)


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    return Cli(tmp_path, database_url)


@pytest.mark.parametrize(("environment", "tag"), [("development", "test"), ("production", "live")])
def test_create_prints_the_new_instance_keys(cli: Cli, environment: str, tag: str) -> None:
    _, keys = cli.create(environment)
    assert list(keys) == KEY_NAMES
    assert keys["CLERK_SECRET_KEY"].startswith(f"sk_{tag}_")
    assert keys["CLERK_PUBLISHABLE_KEY"].startswith(f"pk_{tag}_")
    assert "." in frontend_host(keys["CLERK_PUBLISHABLE_KEY"])
    assert keys["CLERK_API_URL"] == "http://127.0.0.1:8798"
    assert isinstance(load_pem_public_key(keys["CLERK_JWT_KEY"].encode()), RSAPublicKey)


def test_list_shows_each_instance_and_keys_instance_prints_its_keys(cli: Cli) -> None:
    development_id, development = cli.create("development")
    production_id, production = cli.create("production")
    result = cli.run("instances", "list")
    assert result.returncode == 0, result.stderr
    header, *rows = [line.split() for line in result.stdout.strip().splitlines()]
    assert header == ["ID", "ENVIRONMENT", "DEFAULT", "PUBLISHABLE", "KEY"]
    default = cli.keys()
    assert [row[1:] for row in rows] == [
        ["development", "yes", default["CLERK_PUBLISHABLE_KEY"]],
        ["development", "no", development["CLERK_PUBLISHABLE_KEY"]],
        ["production", "no", production["CLERK_PUBLISHABLE_KEY"]],
    ]
    assert [row[0] for row in rows[1:]] == [development_id, production_id]
    assert cli.keys("--instance", production_id) == production
    for name in ("CLERK_SECRET_KEY", "CLERK_JWT_KEY"):
        assert len({default[name], development[name], production[name]}) == 3


def test_unknown_environment_or_instance_is_an_error(cli: Cli) -> None:
    unknown_environment = cli.run("instances", "create", "--environment", "staging")
    assert unknown_environment.returncode == 2 and "staging" in unknown_environment.stderr
    unknown_instance = cli.run("keys", "--instance", "ins_missing")
    assert unknown_instance.returncode == 1 and unknown_instance.stdout == ""
    assert "could not be found" in unknown_instance.stderr and "Traceback" not in unknown_instance.stderr


def test_keys_rotate_acts_on_the_chosen_instance(cli: Cli) -> None:
    instance_id, created = cli.create("production")
    rotated = cli.run("keys", "--instance", instance_id, "rotate")
    assert rotated.returncode == 0, rotated.stderr
    after = cli.keys("--instance", instance_id)
    assert after["CLERK_JWT_KEY"] != created["CLERK_JWT_KEY"]
    assert after["CLERK_SECRET_KEY"] == created["CLERK_SECRET_KEY"]


def test_a_running_server_accepts_the_new_key_at_once_and_keeps_data_apart(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        instance_id, created = created_instance("production", server.environment)
        with sdk(server, created["CLERK_SECRET_KEY"]) as production, sdk(server, server.secret_key) as default:
            email = unique_email("production")
            user = production.users.create(email_address=[email])
            jwks = production.jwks.get_jwks().keys or []
            assert [key.kid for key in jwks] == [instance_id]
            with pytest.raises(models.ClerkErrors) as refused:
                production.sessions.create(request={"user_id": user.id})
            assert refused.value.data.errors[0].code == "request_invalid_for_environment"
            assert default.users.list(request={"email_address": [email]}) == []
            with pytest.raises(models.ClerkErrors) as not_found:
                default.users.get(user_id=user.id)
            assert not_found.value.data.errors[0].code == "resource_not_found"
        printed_key = load_pem_public_key(created["CLERK_JWT_KEY"].encode())
        served_key = httpx.get(
            f"{server.api_url}/jwks", headers={"Authorization": f"Bearer {created['CLERK_SECRET_KEY']}"}
        ).json()["keys"][0]
        assert isinstance(printed_key, RSAPublicKey)
        assert printed_key.public_numbers() == jwt.PyJWK(served_key).key.public_numbers()
    finally:
        stop_server(server)


def test_a_running_server_serves_an_instance_created_through_locum_instances(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        response = httpx.post(
            f"{server.origin}/locum/instances",
            json={"environment_type": "development"},
            headers={"Authorization": f"Bearer {server.secret_key}"},
        )
        assert response.status_code == 200, response.text
        with sdk(server, response.json()["secret_key"]) as created:
            user = created.users.create(email_address=[unique_email("created")])
            assert created.sessions.create(request={"user_id": user.id}).user_id == user.id
    finally:
        stop_server(server)
