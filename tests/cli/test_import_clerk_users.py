"""`locum import-clerk-users`: Clerk's Dashboard user export imported as create_user would store it,
bad rows reported and skipped, and an interrupted import (kill -9) finished by running it again.

Most tests import in-process into the test database (the `client` fixture's instance); the process
tests run the command as a user does, on a database of their own."""

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text

from locum.db.engine import create_engine
from locum.instances.service import InstanceKeys
from locum.kit.identifiers import normalize_email
from locum.resources.users.clerk_import import (
    MAX_WORKERS,
    ImportSummary,
    fast_normalize_email,
    import_clerk_users,
    parse_row,
    worker_count,
)
from locum.settings import Settings
from tests.builders import primary_values_out_of_step
from tests.clerk_csv import COLUMNS, PASSWORD, TOTP_SECRET, digests, generate, row, user_id, write_csv
from tests.cli.test_cli import run_locum


def clerk_row(**cells: str) -> dict[str, str]:
    return {**dict.fromkeys(COLUMNS, ""), **cells}


async def run_import(app: FastAPI, instance: InstanceKeys, path: Path, **options: Any) -> ImportSummary:
    return await import_clerk_users(app.state.engine, app.state.sealer, instance.instance_id, path, **options)


def run_tag() -> str:
    """Ids and emails of this test's own (user ids are unique across instances)."""
    return secrets.token_hex(4)


def comparable(user: dict[str, Any]) -> dict[str, Any]:
    """A user's JSON without what differs between two stores of the same data: ids and times."""
    user = dict(user)
    for key in ("id", "created_at", "updated_at", "password_last_updated_at", "mfa_enabled_at"):
        user.pop(key)
    for kind, primary in (
        ("email_addresses", "primary_email_address_id"),
        ("phone_numbers", "primary_phone_number_id"),
    ):
        ids = [item["id"] for item in user[kind]]
        user[primary] = ids.index(user[primary]) if user[primary] else None
        user[kind] = [
            {key: value for key, value in item.items() if key not in ("id", "created_at", "updated_at")}
            for item in user[kind]
        ]
    return user


class TestImportedUsers:
    async def test_an_imported_user_is_what_create_user_makes_of_the_same_data(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        tag = run_tag()
        clerk_id = user_id(1, tag)
        hasher, digest = digests()[0]
        path = write_csv(
            Path(f"/tmp/locum-import-{tag}.csv"),
            [
                clerk_row(
                    id=clerk_id,
                    first_name="Ada",
                    last_name="Lovelace",
                    username=f"ada{tag}",
                    primary_email_address=f"Ada.{tag}@Example.com",
                    verified_email_addresses=f"Ada.{tag}@Example.com,work{tag}@example.org",
                    unverified_email_addresses=f"old{tag}@example.net",
                    primary_phone_number="+14155550101",
                    verified_phone_numbers="+14155550101",
                    unverified_phone_numbers="+14155550102",
                    totp_secret=TOTP_SECRET,
                    password_digest=digest,
                    password_hasher=hasher,
                )
            ],
        )
        summary = await run_import(app, instance, path)
        path.unlink()
        assert (summary.imported, summary.already_imported, summary.skipped) == (1, 0, [])

        imported = await client.get(f"/v1/users/{clerk_id}")
        assert imported.status_code == 200
        created = await other_client.post(
            "/v1/users",
            json={
                "first_name": "Ada",
                "last_name": "Lovelace",
                "username": f"ada{tag}",
                "email_address": [f"Ada.{tag}@Example.com", f"work{tag}@example.org"],
                "phone_number": ["+14155550101"],
                "totp_secret": TOTP_SECRET,
                "password_digest": digest,
                "password_hasher": hasher,
            },
        )
        assert created.status_code == 200, created.text
        # Unverified identifications come through their own endpoints, after the user.
        created_id = created.json()["id"]
        unverified_email = {"user_id": created_id, "email_address": f"old{tag}@example.net", "verified": False}
        assert (await other_client.post("/v1/email_addresses", json=unverified_email)).status_code == 200
        unverified_phone = {"user_id": created_id, "phone_number": "+14155550102", "verified": False}
        assert (await other_client.post("/v1/phone_numbers", json=unverified_phone)).status_code == 200
        expected = (await other_client.get(f"/v1/users/{created_id}")).json()
        assert imported.json()["id"] == clerk_id
        assert comparable(imported.json()) == comparable(expected)

    @pytest.mark.parametrize("kind", [0, 1, 2, 3], ids=["bcrypt-2b", "bcrypt-2a", "argon2id", "argon2i"])
    async def test_users_sign_in_with_their_old_password(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, tmp_path: Path, kind: int
    ) -> None:
        tag = run_tag()
        # row(number) takes digests()[number % 4]
        path = write_csv(tmp_path / "users.csv", [row(kind + 4, run=tag)])
        assert (await run_import(app, instance, path)).imported == 1
        clerk_id = user_id(kind + 4, tag)

        wrong = await client.post(f"/v1/users/{clerk_id}/verify_password", json={"password": "not the password"})
        assert wrong.status_code == 422
        right = await client.post(f"/v1/users/{clerk_id}/verify_password", json={"password": PASSWORD})
        assert right.status_code == 200 and right.json() == {"verified": True}
        # Upgraded to locum's own argon2id on that sign-in, and still the same password.
        again = await client.post(f"/v1/users/{clerk_id}/verify_password", json={"password": PASSWORD})
        assert again.status_code == 200

    async def test_every_column_lands_where_it_belongs(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, tmp_path: Path
    ) -> None:
        tag = run_tag()
        path = write_csv(tmp_path / "users.csv", [row(33, run=tag), row(35, run=tag), row(77, run=tag)])
        assert (await run_import(app, instance, path)).imported == 3

        with_alternates = (await client.get(f"/v1/users/{user_id(33, tag)}")).json()
        assert [e["email_address"] for e in with_alternates["email_addresses"]] == [
            f"user33{tag}@example.com",
            f"alt33{tag}@example.org",
            f"other33{tag}@example.org",
        ]
        assert [e["verification"] and e["verification"]["status"] for e in with_alternates["email_addresses"]] == [
            "verified",
            None,
            None,
        ]
        assert with_alternates["primary_email_address_id"] == with_alternates["email_addresses"][0]["id"]
        assert with_alternates["totp_enabled"] and with_alternates["two_factor_enabled"]
        assert (with_alternates["first_name"], with_alternates["last_name"]) == ("First33", "Last33")

        with_phone = (await client.get(f"/v1/users/{user_id(35, tag)}")).json()
        assert with_phone["primary_phone_number_id"] == with_phone["phone_numbers"][0]["id"]
        assert with_phone["phone_numbers"][0]["phone_number"] == "+14155550035"
        assert with_phone["password_enabled"] and not with_phone["totp_enabled"]

        assert (await client.get(f"/v1/users/{user_id(77, tag)}")).json()["username"] == f"user_{tag}77"
        found = await client.get("/v1/users", params={"email_address": f"user35{tag}@example.com"})
        assert [user["id"] for user in found.json()] == [user_id(35, tag)]

    async def test_imported_users_are_ordered_by_their_primaries(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, tmp_path: Path
    ) -> None:
        tag = run_tag()
        numbers = (77, 35, 33)
        path = write_csv(tmp_path / "users.csv", [row(number, run=tag) for number in numbers])
        assert (await run_import(app, instance, path)).imported == 3
        listed = await client.get("/v1/users", params={"order_by": "email_address"})
        assert [user["id"] for user in listed.json()] == [user_id(number, tag) for number in sorted(numbers)]
        assert await primary_values_out_of_step(app, instance.instance_id) == []

    async def test_no_event_is_recorded(
        self, app: FastAPI, instance: InstanceKeys, tmp_path: Path, recorded_events: Any
    ) -> None:
        path = write_csv(tmp_path / "users.csv", [row(1, run=run_tag())])
        assert (await run_import(app, instance, path)).imported == 1
        assert await recorded_events() == []


class TestBadRows:
    # Worker processes (a large file's) prepare batches of 3 here: clashes span batches, and the
    # workers' answers must come back in the file's order.
    @pytest.mark.parametrize(("workers", "batch_size"), [(0, 2_000), (1, 3)], ids=["in-process", "worker-process"])
    async def test_bad_rows_are_reported_with_their_row_number_and_skipped(
        self,
        app: FastAPI,
        instance: InstanceKeys,
        client: httpx.AsyncClient,
        tmp_path: Path,
        workers: int,
        batch_size: int,
    ) -> None:
        tag = run_tag()
        existing = await client.post("/v1/users", json={"email_address": [f"taken{tag}@example.com"]})
        assert existing.status_code == 200
        good = row(1, run=tag)
        rows = [
            good,  # row 2
            {**row(2, run=tag), "primary_email_address": "not-an-email", "verified_email_addresses": ""},
            {**row(3, run=tag), "password_hasher": "rot13"},
            {**row(4, run=tag), "password_digest": "$2b$10$tooshort"},
            {**row(5, run=tag), "id": ""},
            {**row(6, run=tag), "id": user_id(1, tag), "primary_email_address": f"x{tag}@example.com"},
            {**row(7, run=tag), "primary_email_address": good["primary_email_address"]},
            {**row(8, run=tag), "primary_email_address": f"taken{tag}@example.com", "verified_email_addresses": ""},
            {**row(9, run=tag), "primary_phone_number": "4155550100"},
            {**row(10, run=tag), "totp_secret": "not base32!"},
            {**row(12, run=tag), "password_digest": ""},
            {**row(13, run=tag), "id": "usr_123"},
            {**row(14, run=tag), "username": good["username"] or f"user_{tag}14x"},
            row(15, run=tag),  # row 15: good
        ]
        rows[12]["username"] = f"dup{tag}"
        rows[0]["username"] = f"dup{tag}"
        summary = await run_import(
            app, instance, write_csv(tmp_path / "users.csv", rows), workers=workers, batch_size=batch_size
        )

        reasons = {skipped.row: skipped.reason for skipped in summary.skipped}
        assert summary.imported == 2
        assert [skipped.row for skipped in summary.skipped] == list(range(3, 15))
        assert "'not-an-email' is not a valid email address" in reasons[3]
        assert "'rot13' is not a supported hasher" in reasons[4]
        assert "not a valid bcrypt digest" in reasons[5]
        assert reasons[6] == "id is missing"
        assert reasons[7] == f"duplicate id: row 2 has {user_id(1, tag)} too"
        assert reasons[8] == f"email address {good['primary_email_address']} is also on row 2"
        assert reasons[9] == f"email address taken{tag}@example.com already belongs to user {existing.json()['id']}"
        assert "is not a valid phone number" in reasons[10]
        assert reasons[11] == "totp_secret is not base32"
        assert reasons[12] == "password_hasher is given without a password_digest"
        assert "is not a Clerk user id" in reasons[13]
        assert reasons[14] == f"username dup{tag} is also on row 2"
        for number in (2, 3, 8, 12):
            assert (await client.get(f"/v1/users/{user_id(number, tag)}")).status_code == 404
        assert (await client.get(f"/v1/users/{user_id(15, tag)}")).status_code == 200

    async def test_a_row_with_more_cells_than_the_header_is_skipped(
        self, app: FastAPI, instance: InstanceKeys, tmp_path: Path
    ) -> None:
        path = tmp_path / "users.csv"
        path.write_text(",".join(COLUMNS) + "\n" + ",".join([user_id(1, run_tag())] + [""] * 13) + "\n")
        summary = await run_import(app, instance, path)
        assert summary.imported == 0
        assert summary.skipped[0].reason == "the row has more cells than the header has columns"

    def test_multi_value_cells_split_on_commas_or_read_as_json(self) -> None:
        cells = clerk_row(
            id="user_2abc",
            verified_email_addresses="a@example.com, b@example.com",
            unverified_email_addresses='["c@example.com"]',
        )
        parsed = parse_row(cells, 2)
        assert parsed.emails == (("a@example.com", True), ("b@example.com", True), ("c@example.com", False))

    @pytest.mark.parametrize(
        "address",
        [
            "A.b@Example.COM",
            " a@b.co ",
            "x@localhost",
            "a..b@x.com",
            '"quoted"@x.com',
            "a@x",
            "a@-x.com",
            "ü@x.de",
            "a@bücher.de",
            "a@1.2.3.4",
            "a@x.invalid",
            "a@b_c.com",
            "a@[1.2.3.4]",
            "a" * 65 + "@x.com",
            "a@" + "b" * 64 + ".com",
            "first.last+tag@sub.example.co.uk",
        ],
    )
    def test_the_short_way_to_normalize_an_email_agrees_with_the_long_one(self, address: str) -> None:
        assert fast_normalize_email(address) == normalize_email(address)


class TestReruns:
    async def test_a_second_run_counts_the_users_as_already_imported(
        self, app: FastAPI, instance: InstanceKeys, tmp_path: Path
    ) -> None:
        path = generate(tmp_path / "users.csv", 25, run=run_tag())
        first = await run_import(app, instance, path, batch_size=10)
        second = await run_import(app, instance, path, batch_size=10)
        assert (first.imported, first.already_imported, first.skipped) == (25, 0, [])
        assert (second.imported, second.already_imported, second.skipped) == (0, 25, [])

    async def test_a_user_already_there_with_other_data_is_skipped(
        self, app: FastAPI, instance: InstanceKeys, tmp_path: Path
    ) -> None:
        tag = run_tag()
        await run_import(app, instance, write_csv(tmp_path / "a.csv", [row(1, run=tag)]))
        changed = {**row(1, run=tag), "first_name": "Renamed"}
        summary = await run_import(app, instance, write_csv(tmp_path / "b.csv", [changed]))
        assert summary.imported == summary.already_imported == 0
        assert summary.skipped[0].reason == f"user {user_id(1, tag)} already exists with other data"

    async def test_a_user_id_another_instance_holds_is_skipped_alone(
        self, app: FastAPI, instance: InstanceKeys, other_client: httpx.AsyncClient, tmp_path: Path
    ) -> None:
        tag = run_tag()
        taken = (await other_client.post("/v1/users", json={"first_name": "Other"})).json()["id"]
        rows = [row(1, run=tag), {**row(2, run=tag), "id": taken}, row(3, run=tag)]
        summary = await run_import(app, instance, write_csv(tmp_path / "users.csv", rows))
        assert summary.imported == 2
        assert [(skipped.row, skipped.user_id) for skipped in summary.skipped] == [(3, taken)]


class TestPlannerStatistics:
    """PostgreSQL plans the import's per-batch lookups from its statistics of the tables: the import
    analyzes them each time the users it imported have doubled, so a server without autovacuum does
    not plan a lookup of a batch's ids as a read of every row of the instance."""

    async def test_the_looked_up_tables_are_analyzed_as_the_import_doubles(
        self, app: FastAPI, instance: InstanceKeys, tmp_path: Path
    ) -> None:
        engine = app.state.engine
        if engine.dialect.name != "postgresql":
            pytest.skip("SQLite's planner statistics are fixed (db/planner_stats.py)")
        imported_at_analyze: list[int] = []
        imported = 0

        def progress(rows: int) -> None:
            nonlocal imported
            imported = rows

        def record_analyze(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.startswith("ANALYZE"):
                assert statement == "ANALYZE users, email_addresses, phone_numbers"
                imported_at_analyze.append(imported)

        path = generate(tmp_path / "users.csv", 20, run=run_tag())
        event.listen(engine.sync_engine, "before_cursor_execute", record_analyze)
        try:
            summary = await run_import(app, instance, path, batch_size=3, workers=0, progress=progress)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record_analyze)
        assert summary.imported == 20
        assert imported_at_analyze == [3, 6, 12]


class TestSearchAfterImport:
    """An import indexes its users for substring search by one statement a table (db/text_search.py
    trigram_indexing_after): they are found as users created one by one are, and the per-row indexing
    is back afterwards."""

    @staticmethod
    async def found(client: httpx.AsyncClient, **query: str) -> list[str]:
        response = await client.get("/v1/users", params={**query, "limit": "50"})
        assert response.status_code == 200, response.text
        return [user["id"] for user in response.json()]

    async def test_imported_users_are_found_by_every_search(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, tmp_path: Path
    ) -> None:
        tag = run_tag()
        rows = [row(number, run=tag) for number in (5, 7, 8)]
        summary = await run_import(app, instance, write_csv(tmp_path / "users.csv", rows))
        assert summary.imported == 3
        five, seven = user_id(5, tag), user_id(7, tag)
        assert await self.found(client, query=five[-12:]) == [five]
        assert await self.found(client, name_query="First5 Last5") == [five]
        assert await self.found(client, email_address_query=rows[0]["primary_email_address"][:-4]) == [five]
        assert await self.found(client, phone_number_query=rows[0]["primary_phone_number"][-7:]) == [five]
        assert await self.found(client, username_query=rows[1]["username"].upper()) == [seven]

    async def test_users_written_after_an_import_are_found_too(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, tmp_path: Path
    ) -> None:
        tag = run_tag()
        await run_import(app, instance, write_csv(tmp_path / "users.csv", [row(1, run=tag)]))
        created = (await client.post("/v1/users", json={"first_name": f"After{tag}", "last_name": "Import"})).json()
        assert await self.found(client, name_query=f"after{tag} imp") == [created["id"]]

    async def test_a_batch_written_row_by_row_after_a_clash_is_found(
        self,
        app: FastAPI,
        instance: InstanceKeys,
        other_client: httpx.AsyncClient,
        client: httpx.AsyncClient,
        tmp_path: Path,
    ) -> None:
        tag = run_tag()
        taken = (await other_client.post("/v1/users", json={"first_name": "Other"})).json()["id"]
        rows = [row(1, run=tag), {**row(2, run=tag), "id": taken}, row(3, run=tag)]
        summary = await run_import(app, instance, write_csv(tmp_path / "users.csv", rows))
        assert summary.imported == 2
        assert await self.found(client, name_query="First3 Last3") == [user_id(3, tag)]


# The process tests: `locum import-clerk-users` as a user runs it, on a database of the test's own.


def locum_env(data_dir: Path) -> dict[str, str]:
    return {"LOCUM_DATA_DIR": str(data_dir), "LOCUM_PORT": "8797"}


def database_counts(data_dir: Path, database_url: str) -> tuple[int, int, int]:
    """(users, users without their primary email address row, email rows without their user)."""

    async def read() -> tuple[int, int, int]:
        engine = create_engine(Settings(database_url=database_url, data_dir=data_dir))
        try:
            async with engine.connect() as connection:
                users = (await connection.execute(text("SELECT count(*) FROM users"))).scalar_one()
                incomplete = (
                    await connection.execute(
                        text(
                            "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM email_addresses e"
                            " WHERE e.id = u.primary_email_address_id AND e.user_id = u.id)"
                        )
                    )
                ).scalar_one()
                orphans = (
                    await connection.execute(
                        text(
                            "SELECT count(*) FROM email_addresses e WHERE NOT EXISTS"
                            " (SELECT 1 FROM users u WHERE u.id = e.user_id)"
                        )
                    )
                ).scalar_one()
                return users, incomplete, orphans
        finally:
            await engine.dispose()

    return asyncio.run(read())


def summary_of(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.strip().splitlines() if ": " in line)


class TestCommand:
    def test_prints_a_summary_and_the_skipped_rows(self, tmp_path: Path, database_url: str) -> None:
        rows = [row(1), {**row(2), "password_hasher": "rot13"}, row(3)]
        result = run_locum(
            "import-clerk-users",
            str(write_csv(tmp_path / "users.csv", rows)),
            "--database-url",
            database_url,
            env=locum_env(tmp_path),
        )
        assert result.returncode == 0, result.stderr
        summary = summary_of(result.stdout)
        assert (summary["Imported"], summary["Already imported"], summary["Skipped"]) == ("2", "0", "1")
        assert "users/s" in summary["Elapsed"]
        assert f"row 3 ({user_id(2)}): password_hasher 'rot13' is not a supported hasher" in result.stderr

    def test_refuses_a_file_that_is_not_a_clerk_export(self, tmp_path: Path, database_url: str) -> None:
        path = tmp_path / "users.csv"
        path.write_text("email,name\na@example.com,A\n")
        result = run_locum("import-clerk-users", str(path), "--database-url", database_url, env=locum_env(tmp_path))
        assert result.returncode == 1
        assert "has no `id` column" in result.stderr

    def test_refuses_an_unknown_instance(self, tmp_path: Path, database_url: str) -> None:
        path = write_csv(tmp_path / "users.csv", [row(1)])
        result = run_locum(
            "import-clerk-users",
            str(path),
            "--database-url",
            database_url,
            "--instance",
            "ins_nope",
            env=locum_env(tmp_path),
        )
        assert result.returncode == 1
        assert "instances list" in result.stderr

    def test_kill_9_leaves_whole_users_and_a_rerun_finishes_the_job(self, tmp_path: Path, database_url: str) -> None:
        total, batch = 20_000, 200
        path = generate(tmp_path / "users.csv", total, phones=False)
        assert worker_count(path) == min((os.cpu_count() or 1) - 1, MAX_WORKERS)  # the command's workers too
        command = [sys.executable, "-m", "locum", "import-clerk-users", str(path), "--database-url", database_url]
        command += ["--batch-size", str(batch)]
        process = subprocess.Popen(
            command, env={**os.environ, **locum_env(tmp_path)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    users = database_counts(tmp_path, database_url)[0]
                except Exception:  # the tables may not exist yet
                    users = 0
                if users >= 3 * batch:
                    break
                time.sleep(0.05)
            assert process.poll() is None, "the import finished before it could be killed: make the file larger"
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.kill()
            # Its output pipes close once every process holding them is gone: its workers too.
            process.communicate(timeout=60)

        users, incomplete, orphans = database_counts(tmp_path, database_url)
        assert 0 < users < total
        assert users % batch == 0  # whole batches
        assert (incomplete, orphans) == (0, 0)

        rerun = subprocess.run(
            command, env={**os.environ, **locum_env(tmp_path)}, capture_output=True, text=True, timeout=600
        )
        assert rerun.returncode == 0, rerun.stderr
        summary = summary_of(rerun.stdout)
        assert (int(summary["Imported"]), int(summary["Already imported"]), summary["Skipped"]) == (
            total - users,
            users,
            "0",
        )
        assert database_counts(tmp_path, database_url) == (total, 0, 0)
