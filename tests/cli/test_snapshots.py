"""`locum export` / `locum import` and `locum serve --import … --export-on-exit …`, run as a user runs
them, on a database filled through the API by a running server (users with passwords, organizations
with members and a custom role, sessions, JWT templates, machines, API keys, M2M tokens, an OAuth
application, a webhook endpoint with deliveries, a billing plan and subscription, an enterprise
connection with a directory)."""

import asyncio
import base64
import secrets
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from locum.cli.snapshot_files import head_revision
from tests.builders import (
    make_api_key,
    make_directory,
    make_enterprise_connection,
    make_m2m_token,
    make_machine,
    make_oauth_application,
    make_organization,
    make_plan,
    make_session,
    make_user,
    sign_in_token,
    subscribe,
    unique_email,
)
from tests.cli.test_cli import run_locum
from tests.postgres import configured_database_url, create_database_beside, drop_database
from tests.sdk.conftest import LocumServer, start_server, stop_server

PASSWORD = "correct horse battery snapshot"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"snapshot webhook secret 32 bytes").decode()


@dataclass
class Rich:
    """A SQLite database filled through the API, its data directory (master key) and its snapshot."""

    data_dir: Path
    database_url: str
    snapshot: Path
    user_id: str
    organization_id: str
    members: dict[str, str]
    # Every secret the API showed once, and the instance's secret key.
    secrets: dict[str, str]


async def _fill(server: LocumServer) -> Rich:
    headers = {"Authorization": f"Bearer {server.secret_key}"}
    async with httpx.AsyncClient(base_url=server.origin, headers=headers, timeout=30) as client:
        user = await make_user(
            client, password=PASSWORD, phone_number=["+14155550123"], first_name="Ada", public_metadata={"b": 1, "a": 2}
        )
        member = await make_user(client, email_address=[unique_email("member")], password=PASSWORD + "!")
        organization = await make_organization(client, name="Initech", created_by=user["id"])
        permission = await client.post(
            "/v1/organization_permissions", json={"name": "Read reports", "key": "org:reports:read"}
        )
        role = await client.post("/v1/organization_roles", json={"name": "Analyst", "key": "org:analyst"})
        assert permission.status_code == 200 and role.status_code == 200, (permission.text, role.text)
        assigned = await client.post(
            f"/v1/organization_roles/{role.json()['id']}/permissions/{permission.json()['id']}"
        )
        assert assigned.status_code == 200, assigned.text
        membership = await client.post(
            f"/v1/organizations/{organization['id']}/memberships", json={"user_id": member["id"], "role": "org:analyst"}
        )
        assert membership.status_code == 200, membership.text
        session = await make_session(client, user["id"], active_organization_id=organization["id"])
        template = await client.post("/v1/jwt_templates", json={"name": "hasura", "claims": {"u": "{{user.id}}"}})
        assert template.status_code == 200, template.text
        token = await client.post(f"/v1/sessions/{session['id']}/tokens/hasura", json={})
        assert token.status_code == 200, token.text
        api_key = await make_api_key(client, user["id"])
        machine = await make_machine(client)
        machine_headers = {"Authorization": f"Bearer {machine['secret_key']}"}
        async with httpx.AsyncClient(base_url=server.origin, headers=machine_headers, timeout=30) as machine_client:
            m2m = await make_m2m_token(machine_client)
        application = await make_oauth_application(client)
        sign_in = await sign_in_token(client, user["id"])
        plan = await make_plan(client, name="Team", slug="team", payer_type="org", monthly_fee=2000)
        await subscribe(client, organization["id"], plan["id"])
        connection = await make_enterprise_connection(client)
        directory = await make_directory(client, connection["id"])
    found = {
        "secret_key": server.secret_key,
        "webhook_secret": WEBHOOK_SECRET,
        "api_key": api_key["secret"],
        "machine_secret_key": machine["secret_key"],
        "m2m_token": m2m["token"],
        "oauth_client_secret": application["client_secret"],
        "sign_in_token": sign_in["token"],
        "session_token": token.json()["jwt"],
        "password": PASSWORD,
    }
    if directory.get("api_key"):
        found["directory_api_key"] = directory["api_key"]
    return Rich(
        data_dir=Path(server.environment["LOCUM_DATA_DIR"]),
        database_url=server.environment["LOCUM_DATABASE_URL"],
        snapshot=Path(server.environment["LOCUM_DATA_DIR"]) / "rich.jsonl",
        user_id=user["id"],
        organization_id=organization["id"],
        members={user["id"]: "org:admin", member["id"]: "org:analyst"},
        secrets=found,
    )


def _locum(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_locum(*args, env={"LOCUM_DATA_DIR": str(data_dir), "LOCUM_DATABASE_URL": ""})


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rich]:
    data_dir = tmp_path_factory.mktemp("rich")
    database_url = f"sqlite:///{data_dir / 'rich.db'}"
    server = start_server(
        data_dir,
        extra_env={
            "LOCUM_DATABASE_URL": database_url,
            "LOCUM_WEBHOOK_URL": "http://127.0.0.1:9/webhooks",
            "LOCUM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "LOCUM_WEBHOOK_RETRY_SCHEDULE": "3600",
        },
    )
    try:
        filled = asyncio.run(_fill(server))
    finally:
        stop_server(server)
    _ok(_locum(data_dir, "export", str(filled.snapshot), "--database-url", database_url))
    yield filled


def _records(snapshot: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header, *lines = snapshot.read_bytes().splitlines()
    return orjson.loads(header), [orjson.loads(line) for line in lines]


def _import_and_export_again(rich: Rich, database_url: str, name: str) -> bytes:
    _ok(_locum(rich.data_dir, "import", str(rich.snapshot), "--database-url", database_url))
    again = rich.data_dir / name
    _ok(_locum(rich.data_dir, "export", str(again), "--database-url", database_url))
    return again.read_bytes()


class TestExport:
    def test_the_header_names_the_schema_and_the_master_key_and_nothing_that_changes(self, rich: Rich) -> None:
        header, _ = _records(rich.snapshot)
        assert list(header) == ["locum_snapshot", "schema", "secrets", "master_key_fingerprint", "instance"]
        assert header["locum_snapshot"] == 1 and header["secrets"] is True and header["instance"] is None
        assert header["schema"] == head_revision()
        assert len(header["master_key_fingerprint"]) == 16
        master_key = (rich.data_dir / "master.key").read_text().strip()
        assert master_key not in rich.snapshot.read_text()

    def test_every_kind_of_row_is_in_it_parents_first_in_primary_key_order(self, rich: Rich) -> None:
        _, records = _records(rich.snapshot)
        tables = [record["table"] for record in records]
        for expected in (
            "instances",
            "users",
            "email_addresses",
            "phone_numbers",
            "organizations",
            "organization_memberships",
            "roles",
            "role_permissions",
            "sessions",
            "jwt_templates",
            "api_keys",
            "machines",
            "machine_secret_keys",
            "m2m_tokens",
            "oauth_applications",
            "webhook_endpoints",
            "events",
            "webhook_deliveries",
            "billing_plans",
            "billing_subscriptions",
            "enterprise_connections",
            "directories",
        ):
            assert expected in tables
        assert tables.index("users") < tables.index("organization_memberships")
        users = [record["row"]["id"] for record in records if record["table"] == "users"]
        assert users == sorted(users)
        user = next(record["row"] for record in records if record["row"].get("id") == rich.user_id)
        assert user["password_digest"] and list(user) == sorted(user)
        assert user["public_metadata"] == {"a": 2, "b": 1}

    def test_an_unknown_instance_is_refused(self, rich: Rich) -> None:
        result = _locum(rich.data_dir, "export", "-", "--instance", "ins_nope", "--database-url", rich.database_url)
        assert result.returncode == 1 and result.stderr.strip() == "Error: no instance ins_nope in this database"


class TestRoundTrip:
    def test_import_then_export_gives_the_same_bytes(self, rich: Rich) -> None:
        again = _import_and_export_again(rich, f"sqlite:///{rich.data_dir / 'copy.db'}", "copy.jsonl")
        assert again == rich.snapshot.read_bytes()

    def test_the_same_bytes_from_postgresql(self, rich: Rich) -> None:
        test_url = configured_database_url()
        if not test_url:
            pytest.skip("LOCUM_TEST_DATABASE_URL is not set")
        database_url = create_database_beside(test_url, f"locum_snapshot_{secrets.token_hex(4)}")
        try:
            again = _import_and_export_again(rich, database_url, "postgres.jsonl")
        finally:
            drop_database(test_url, database_url)
        assert again == rich.snapshot.read_bytes()

    def test_a_database_with_rows_is_refused(self, rich: Rich) -> None:
        result = _locum(rich.data_dir, "import", str(rich.snapshot), "--database-url", rich.database_url)
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("Error: the database sqlite:///") and line.endswith("import needs an empty database")
        assert "(instances, " in line

    def test_another_master_key_is_refused_in_one_line(self, rich: Rich, tmp_path: Path) -> None:
        result = _locum(tmp_path, "import", str(rich.snapshot), "--database-url", f"sqlite:///{tmp_path / 'x.db'}")
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert "sealed with the master key" in line and "--without-secrets" in line


class TestImportedDatabaseServes:
    def test_a_user_signs_in_with_the_old_password_and_organizations_keep_members_and_roles(
        self, rich: Rich, tmp_path: Path
    ) -> None:
        database_url = f"sqlite:///{rich.data_dir / 'served.db'}"
        _ok(_locum(rich.data_dir, "import", str(rich.snapshot), "--database-url", database_url))
        server = start_server(rich.data_dir, extra_env={"LOCUM_DATABASE_URL": database_url})
        try:
            headers = {"Authorization": f"Bearer {server.secret_key}"}
            with httpx.Client(base_url=server.api_url, headers=headers) as client:
                right = client.post(f"/users/{rich.user_id}/verify_password", json={"password": PASSWORD})
                wrong = client.post(f"/users/{rich.user_id}/verify_password", json={"password": "not it"})
                memberships = client.get(f"/organizations/{rich.organization_id}/memberships")
        finally:
            stop_server(server)
        assert right.status_code == 200 and right.json() == {"verified": True}
        assert wrong.status_code == 422
        roles = {row["public_user_data"]["user_id"]: row["role"] for row in memberships.json()["data"]}
        assert roles == rich.members
        analyst = next(row for row in memberships.json()["data"] if row["role"] == "org:analyst")
        assert analyst["permissions"] == ["org:reports:read"]


class TestWithoutSecrets:
    @pytest.fixture(scope="class")
    def bare(self, rich: Rich) -> Path:
        snapshot = rich.data_dir / "bare.jsonl"
        _ok(_locum(rich.data_dir, "export", str(snapshot), "--without-secrets", "--database-url", rich.database_url))
        return snapshot

    def test_no_secret_is_in_the_file(self, rich: Rich, bare: Path) -> None:
        text = bare.read_text()
        for name, value in rich.secrets.items():
            assert value not in text, name
        header, records = _records(bare)
        assert header["secrets"] is False and header["master_key_fingerprint"] is None
        sealed = [
            (record["table"], column)
            for record in records
            for column, value in record["row"].items()
            if column.startswith("sealed_") and value is not None
        ]
        assert sealed == []
        tables = {record["table"] for record in records}
        assert not tables & {"instance_secret_keys", "signing_keys", "api_keys", "sessions", "webhook_endpoints"}
        assert {"users", "organization_memberships", "roles"} <= tables

    def test_it_imports_with_any_master_key_and_the_user_keeps_the_password(
        self, rich: Rich, bare: Path, tmp_path: Path
    ) -> None:
        database_url = f"sqlite:///{tmp_path / 'bare.db'}"
        _ok(_locum(tmp_path, "import", str(bare), "--database-url", database_url))
        keys = _ok(_locum(tmp_path, "keys", "--database-url", database_url)).stdout
        assert "CLERK_SECRET_KEY=sk_test_" in keys and rich.secrets["secret_key"] not in keys
        server = start_server(tmp_path, extra_env={"LOCUM_DATABASE_URL": database_url})
        try:
            headers = {"Authorization": f"Bearer {server.secret_key}"}
            with httpx.Client(base_url=server.api_url, headers=headers) as client:
                right = client.post(f"/users/{rich.user_id}/verify_password", json={"password": PASSWORD})
                jwks = client.get("/jwks")
        finally:
            stop_server(server)
        assert right.json() == {"verified": True}
        assert len(jwks.json()["keys"]) == 1


class TestServeImportAndExportOnExit:
    def test_the_snapshot_is_loaded_at_start_and_changes_are_written_on_sigint(self, rich: Rich) -> None:
        served = rich.data_dir / "served-on-exit.db"
        exported = rich.data_dir / "on-exit.jsonl"
        server = start_server(
            rich.data_dir,
            extra_env={"LOCUM_DATABASE_URL": f"sqlite:///{served}"},
            extra_args=("--import", str(rich.snapshot), "--export-on-exit", str(exported)),
        )
        try:
            headers = {"Authorization": f"Bearer {server.secret_key}"}
            with httpx.Client(base_url=server.api_url, headers=headers) as client:
                imported = client.get(f"/users/{rich.user_id}")
                created = client.post("/users", json={"email_address": ["after-import@example.com"]})
            assert imported.status_code == 200 and created.status_code == 200, created.text
            server.process.send_signal(signal.SIGINT)
            server.process.wait(timeout=30)
        finally:
            stop_server(server)
        assert "Imported" in server.log.read_text()
        _, records = _records(exported)
        users = {record["row"]["id"] for record in records if record["table"] == "users"}
        assert {rich.user_id, created.json()["id"]} <= users

    def test_sigterm_also_writes_the_snapshot(self, rich: Rich, tmp_path: Path) -> None:
        exported = tmp_path / "on-term.jsonl"
        server = start_server(
            rich.data_dir,
            extra_env={"LOCUM_DATABASE_URL": f"sqlite:///{tmp_path / 'term.db'}"},
            extra_args=("--export-on-exit", str(exported)),
        )
        try:
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=30)
        finally:
            stop_server(server)
        header, records = _records(exported)
        assert header["secrets"] is True and any(record["table"] == "instances" for record in records)

    def test_a_database_with_rows_is_served_as_it_is(self, rich: Rich, tmp_path: Path) -> None:
        database_url = f"sqlite:///{tmp_path / 'kept.db'}"
        _ok(_locum(rich.data_dir, "import", str(rich.snapshot), "--database-url", database_url))
        server = start_server(
            rich.data_dir, extra_env={"LOCUM_DATABASE_URL": database_url}, extra_args=("--import", str(rich.snapshot))
        )
        try:
            headers = {"Authorization": f"Bearer {server.secret_key}"}
            with httpx.Client(base_url=server.api_url, headers=headers) as client:
                users = client.get("/users/count")
        finally:
            stop_server(server)
        assert "was not imported" in server.log.read_text()
        assert users.json()["total_count"] == 2
