"""`locum webhooks add / list / remove` as a user runs them, and LOCUM_WEBHOOK_URL at `locum serve`."""

import base64
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from locum.cli.webhooks import UNREADABLE_EVENTS, UNSEALABLE_SECRET
from locum.db.models import WebhookEndpoint
from locum.kit.sealing import Sealer
from tests.cli.test_cli import run_locum
from tests.sdk.conftest import start_server, stop_server
from tests.webhook_delivery import TOO_DEEP_TO_READ, on_database, stored_json

FIXED_SECRET = "whsec_" + base64.b64encode(b"a fixed secret of 32 bytes......").decode()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"LOCUM_DATA_DIR": str(tmp_path), "LOCUM_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


def test_add_list_remove(env: dict[str, str]) -> None:
    added = run_locum(
        "webhooks",
        "add",
        "http://localhost:3000/api/webhooks",
        "--events",
        "user.created, user.updated",
        "--description",
        "my app",
        env=env,
    )
    assert added.returncode == 0, added.stderr
    endpoint_id, secret = added.stdout.split()
    assert endpoint_id.startswith("ep_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    fixed = run_locum("webhooks", "add", "https://hooks.example.com/clerk", "--secret", FIXED_SECRET, env=env)
    assert fixed.returncode == 0, fixed.stderr
    fixed_id, fixed_secret = fixed.stdout.split()
    assert fixed_secret == FIXED_SECRET

    listed = run_locum("webhooks", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["ID", "URL", "EVENTS", "ENABLED", "SECRET"]
    assert [row.split() for row in rows] == [
        [fixed_id, "https://hooks.example.com/clerk", "*", "yes", FIXED_SECRET],
        [endpoint_id, "http://localhost:3000/api/webhooks", "user.created,user.updated", "yes", secret],
    ]

    removed = run_locum("webhooks", "remove", endpoint_id, env=env)
    assert removed.returncode == 0, removed.stderr
    assert [row.split()[0] for row in run_locum("webhooks", "list", env=env).stdout.splitlines()[1:]] == [fixed_id]
    assert run_locum("webhooks", "remove", fixed_id, env=env).returncode == 0
    emptied = run_locum("webhooks", "list", env=env)
    assert emptied.returncode == 0 and emptied.stdout == "" and "No webhook endpoints" in emptied.stderr


def test_list_shows_what_it_cannot_read(env: dict[str, str]) -> None:
    added = run_locum("webhooks", "add", "http://localhost:3000/api/webhooks", env=env)
    assert added.returncode == 0, added.stderr
    endpoint_id, _ = added.stdout.split()

    async def unreadable(session: AsyncSession) -> None:
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(
                sealed_secret=Sealer(Fernet.generate_key()).seal(FIXED_SECRET),
                event_types=stored_json(session, TOO_DEEP_TO_READ),
            )
        )

    on_database(env["LOCUM_DATABASE_URL"], unreadable)
    listed = run_locum("webhooks", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    [row] = listed.stdout.splitlines()[1:]
    assert UNREADABLE_EVENTS in row and UNSEALABLE_SECRET in row


def test_database_url_option_before_or_after_the_subcommand(tmp_path: Path) -> None:
    env = {"LOCUM_DATA_DIR": str(tmp_path)}
    database = f"sqlite:///{tmp_path / 'chosen.db'}"
    added = run_locum("webhooks", "--database-url", database, "add", "http://localhost:1/", env=env)
    assert added.returncode == 0, added.stderr
    listed = run_locum("webhooks", "list", "--database-url", database, env=env)
    assert added.stdout.split()[0] in listed.stdout
    assert (tmp_path / "chosen.db").exists() and not (tmp_path / "locum.db").exists()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        pytest.param(("ftp://example.com",), "URL", id="url"),
        pytest.param(("http://localhost/", "--events", "user.created,user.exploded"), "--events", id="events"),
        pytest.param(("http://localhost/", "--secret", "whsec_c2hvcnQ="), "--secret", id="secret"),
    ],
)
def test_add_refuses_bad_values(env: dict[str, str], args: tuple[str, ...], option: str) -> None:
    result = run_locum("webhooks", "add", *args, env=env)
    assert result.returncode == 2 and option in result.stderr, result.stderr
    assert run_locum("webhooks", "list", env=env).stdout == ""


def test_remove_unknown(env: dict[str, str]) -> None:
    result = run_locum("webhooks", "remove", "ep_missing", env=env)
    assert result.returncode == 1 and "could not be found" in result.stderr


def test_commands_leave_the_environment_endpoint_alone(tmp_path: Path) -> None:
    """`locum serve` applies LOCUM_WEBHOOK_URL (and prints the secret); other commands don't touch it."""
    server = start_server(
        tmp_path,
        extra_env={"LOCUM_WEBHOOK_URL": "http://127.0.0.1:9/unreachable", "LOCUM_WEBHOOK_SECRET": FIXED_SECRET},
    )
    try:
        assert f"CLERK_WEBHOOK_SIGNING_SECRET={FIXED_SECRET}" in server.log.read_text()
        # A shell without the variables, as the server's own database.
        shell = {**server.environment, "LOCUM_WEBHOOK_URL": "", "LOCUM_WEBHOOK_SECRET": ""}
        listed = run_locum("webhooks", "list", env=shell)
        assert listed.returncode == 0, listed.stderr
        [row] = [line.split() for line in listed.stdout.splitlines()[1:]]
        assert row[1:] == ["http://127.0.0.1:9/unreachable", "*", "yes", FIXED_SECRET]
        assert run_locum("keys", env=shell).returncode == 0
        assert run_locum("webhooks", "list", env=shell).stdout == listed.stdout
    finally:
        stop_server(server)
