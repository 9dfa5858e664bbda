import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select

from locum.db import sqlite_driver
from locum.db.models import User
from locum.instances import registry
from locum.resources.users.repository import USER_GRAPH, UserRepository
from locum.resources.users.serializers import STORED_ORIGIN, user_json
from tests.builders import inspection_session, make_user, unique_email
from tests.conftest import RecordedEvents


@pytest.fixture
def no_key_recheck(monkeypatch: pytest.MonkeyPatch) -> None:
    # A request's auth rechecks the instance's signing keys once a second: not the write's work.
    monkeypatch.setattr(registry, "KEYS_RECHECK_SECONDS", 3600.0)


async def statements_run(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, request: Callable[[], Awaitable[httpx.Response]]
) -> int:
    """How many SQL statements the write engine runs for `request` (which must succeed), the
    instance's key having been resolved by an earlier request: those SQLAlchemy runs, and on SQLite
    those handed to the driver in one trip (db/constraints.insert_all, update_rows)."""
    executed: list[str] = []

    def count(*args: Any) -> None:
        executed.append(args[2])

    def run_each(connection: Any, begin: Any, writer_lock: Any, statements: list[tuple[str, Any, bool]]) -> Any:
        executed.extend(sql for sql, _, _ in statements)
        return sqlite_run_each(connection, begin, writer_lock, statements)

    sqlite_run_each = sqlite_driver._run_each
    monkeypatch.setattr(sqlite_driver, "_run_each", run_each)
    event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
    try:
        response = await request()
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.text
    return len(executed)


class TestCreateUser:
    async def test_creates_verified_primary_email(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, email_address=["Ada@Example.com"], first_name="Ada", username="ada_l")
        assert user["object"] == "user" and user["id"].startswith("user_") and len(user["id"]) == 32
        email = user["email_addresses"][0]
        assert user["primary_email_address_id"] == email["id"]
        assert email["verification"] == {
            "object": "verification_admin",
            "status": "verified",
            "strategy": "admin",
            "attempts": None,
            "expire_at": None,
        }
        assert user["username"] == "ada_l" and user["password_enabled"] is False

    async def test_empty_body_creates_a_user(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/users", headers={"content-type": "application/json"})
        assert response.status_code == 200

    async def test_duplicate_email_is_form_identifier_exists(self, client: httpx.AsyncClient) -> None:
        await make_user(client, email_address=["dup@example.com"])
        response = await client.post("/v1/users", json={"email_address": ["DUP@example.com"]})
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["code"] == "form_identifier_exists"
        assert error["meta"] == {"param_name": "email_address"}

    async def test_concurrent_creates_with_one_email_make_one_user(self, client: httpx.AsyncClient) -> None:
        email = unique_email("race")
        responses = await asyncio.gather(
            *(client.post("/v1/users", json={"email_address": [email]}) for _ in range(20))
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [422] * 19
        assert {r.json()["errors"][0]["code"] for r in responses if r.status_code == 422} == {"form_identifier_exists"}

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            pytest.param({"email_address": "a@b.co"}, 422, "form_param_type_invalid", id="wrong-type"),
            pytest.param({"nickname": "x"}, 422, "form_param_unknown", id="extra-field"),
            pytest.param({"email_address": ["not-an-email"]}, 422, "form_param_format_invalid", id="bad-email"),
            pytest.param({"phone_number": ["555"]}, 422, "form_param_format_invalid", id="bad-phone"),
            pytest.param({"password": "short"}, 422, "form_password_length_too_short", id="short-password"),
            pytest.param({"username": "ab"}, 422, "form_username_invalid_length", id="short-username"),
            pytest.param({"created_at": "yesterday"}, 422, "form_param_invalid_time", id="bad-time"),
            pytest.param(
                {"email_address": ["a@b.co"], "email_address_identification_status": []},
                422,
                "form_param_array_length_mismatch",
                id="status-length",
            ),
        ],
    )
    async def test_bad_input(self, client: httpx.AsyncClient, body: dict, status: int, code: str) -> None:
        response = await client.post("/v1/users", json=body)
        assert response.status_code == status, response.text
        assert response.json()["errors"][0]["code"] == code

    async def test_malformed_json(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/users", content=b"{nope", headers={"content-type": "application/json"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "request_body_invalid"

    @pytest.mark.usefixtures("no_key_recheck")
    async def test_one_statement_a_table(
        self, app: FastAPI, monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient
    ) -> None:
        # The user, its email address and its user.created event (the instance's restrictions are
        # read on the reader, before the transaction begins).
        await make_user(client)
        body = {"email_address": [unique_email()]}
        assert await statements_run(app, monkeypatch, lambda: client.post("/v1/users", json=body)) == 3

    async def test_its_rows_go_to_sqlite_in_one_trip(
        self, app: FastAPI, monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient
    ) -> None:
        # The first INSERT takes SQLite's write lock: no trip back to the event loop while it is held.
        if app.state.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL runs them one at a time")
        tables_by_trip: list[list[str]] = []
        sqlite_run_each = sqlite_driver._run_each

        def run_each(connection: Any, begin: Any, writer_lock: Any, statements: list[tuple[str, Any, bool]]) -> Any:
            tables_by_trip.append([sql.split()[2] for sql, _, _ in statements])
            return sqlite_run_each(connection, begin, writer_lock, statements)

        monkeypatch.setattr(sqlite_driver, "_run_each", run_each)
        await make_user(client, email_address=[unique_email()])
        assert tables_by_trip == [["users", "email_addresses", "events"]]


class TestUpdateUser:
    async def test_document_is_a_full_render(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        """A PATCH takes the identifications' JSON from the stored document: it must come out as a
        render from the rows would."""
        user = await make_user(
            client, email_address=[unique_email(), unique_email()], phone_number=["+14155550142"], username="grace_h"
        )
        response = await client.patch(
            f"/v1/users/{user['id']}",
            json={"first_name": "Grace", "primary_email_address_id": user["email_addresses"][1]["id"]},
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["first_name"] == "Grace"
        assert updated["primary_email_address_id"] == user["email_addresses"][1]["id"]
        assert updated["email_addresses"] == user["email_addresses"]
        assert updated["phone_numbers"] == user["phone_numbers"]
        assert (await client.get(f"/v1/users/{user['id']}")).json() == updated
        async with inspection_session(app) as session:
            row = await session.scalar(select(User).where(User.id == user["id"]).options(*USER_GRAPH))
            assert row is not None
            assert orjson.loads(row.document) == user_json(row, STORED_ORIGIN)

    async def test_primary_must_be_a_verified_identification_of_the_user(self, client: httpx.AsyncClient) -> None:
        user = await make_user(
            client,
            email_address=[unique_email(), unique_email()],
            email_address_identification_status=["verified", "reserved"],
        )
        other = await make_user(client)
        for identification_id, message in (
            (user["email_addresses"][1]["id"], "is not verified"),
            (other["email_addresses"][0]["id"], f"{other['email_addresses'][0]['id']} is not an identification"),
        ):
            response = await client.patch(
                f"/v1/users/{user['id']}", json={"primary_email_address_id": identification_id}
            )
            assert response.status_code == 422, response.text
            error = response.json()["errors"][0]
            assert error["meta"] == {"param_name": "primary_email_address_id"}
            assert error["message"].startswith(message) or error["long_message"].startswith(message)

    async def test_taken_username_is_form_identifier_exists(self, client: httpx.AsyncClient) -> None:
        await make_user(client, username="taken_name")
        user = await make_user(client)
        response = await client.patch(f"/v1/users/{user['id']}", json={"username": "Taken_Name"})
        assert response.status_code == 422, response.text
        error = response.json()["errors"][0]
        assert error["code"] == "form_identifier_exists" and error["meta"] == {"param_name": "username"}

    @pytest.mark.usefixtures("no_key_recheck")
    async def test_one_statement_a_table(
        self, app: FastAPI, monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient
    ) -> None:
        # The user's UPDATE (its row read on the reader, before the transaction) and the user.updated event.
        user = await make_user(client)
        patch = {"first_name": "Ada"}
        assert await statements_run(app, monkeypatch, lambda: client.patch(f"/v1/users/{user['id']}", json=patch)) == 2

    async def test_its_update_and_event_go_to_sqlite_in_one_trip(
        self, app: FastAPI, monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient
    ) -> None:
        # The UPDATE takes SQLite's write lock: no trip back to the event loop while it is held.
        if app.state.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL runs them one at a time")
        user = await make_user(client)
        tables_by_trip: list[list[str]] = []
        sqlite_run_each = sqlite_driver._run_each

        def run_each(connection: Any, begin: Any, writer_lock: Any, statements: list[tuple[str, Any, bool]]) -> Any:
            tables_by_trip.append([sql.split()[1 if sql.startswith("UPDATE") else 2] for sql, _, _ in statements])
            return sqlite_run_each(connection, begin, writer_lock, statements)

        monkeypatch.setattr(sqlite_driver, "_run_each", run_each)
        assert (await client.patch(f"/v1/users/{user['id']}", json={"first_name": "Ada"})).status_code == 200
        assert tables_by_trip == [["users", "events"]]

    async def test_a_change_after_the_unlocked_read_is_kept(
        self, monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        """A PATCH reads the row apart from its transaction; a change committed before its UPDATE
        makes it read the row again, locked, instead of writing over the change (and records its
        event once, for the write it made)."""
        user = await make_user(client)
        read_row = UserRepository.read_row

        async def read_then_change(self: UserRepository, *args: Any) -> dict[str, Any]:
            row = await read_row(self, *args)
            # The change, by a PATCH of its own (reading as before).
            monkeypatch.setattr(UserRepository, "read_row", read_row)
            assert (await client.patch(f"/v1/users/{user['id']}", json={"last_name": "Lovelace"})).status_code == 200
            return row

        monkeypatch.setattr(UserRepository, "read_row", read_then_change)
        response = await client.patch(f"/v1/users/{user['id']}", json={"first_name": "Ada"})
        assert response.status_code == 200, response.text
        assert (response.json()["first_name"], response.json()["last_name"]) == ("Ada", "Lovelace")
        assert (await client.get(f"/v1/users/{user['id']}")).json() == response.json()
        assert [(type, data["last_name"], data["first_name"]) for type, data in await recorded_events()] == [
            ("user.created", None, None),
            ("user.updated", "Lovelace", None),
            ("user.updated", "Lovelace", "Ada"),
        ]


class TestGetUser:
    async def test_round_trip(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.get(f"/v1/users/{user['id']}")
        assert response.status_code == 200
        assert response.json() == user

    async def test_unknown_id_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/users/user_doesnotexist")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "resource_not_found"

    async def test_other_instance_cannot_see_it(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        user = await make_user(client)
        assert (await other_client.get(f"/v1/users/{user['id']}")).status_code == 404


class TestAuth:
    @pytest.mark.parametrize(
        ("header", "code"),
        [
            pytest.param(None, "authorization_header_format_invalid", id="missing"),
            pytest.param("Basic abc", "authorization_header_format_invalid", id="not-bearer"),
            pytest.param("Bearer sk_test_unknown", "clerk_key_invalid", id="unknown-key"),
        ],
    )
    async def test_rejected(self, client: httpx.AsyncClient, header: str | None, code: str) -> None:
        headers = {"Authorization": header} if header else {}
        client.headers.pop("Authorization")
        response = await client.get("/v1/users", headers=headers)
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == code

    async def test_key_is_checked_before_the_body(self, client: httpx.AsyncClient) -> None:
        client.headers["Authorization"] = "Bearer sk_test_unknown"
        response = await client.post("/v1/users", content=b"{nope", headers={"content-type": "application/json"})
        assert response.status_code == 401

    async def test_public_image_urls_need_no_key(self, client: httpx.AsyncClient) -> None:
        client.headers.pop("Authorization")
        assert (await client.get("/locum/images/default")).status_code == 200


class TestListUsers:
    async def test_filters_by_email_case_insensitively(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, email_address=["Grace@Example.com"])
        await make_user(client)
        response = await client.get("/v1/users", params={"email_address": "grace@example.COM"})
        assert [u["id"] for u in response.json()] == [user["id"]]

    async def test_newest_first_with_limit_offset(self, client: httpx.AsyncClient) -> None:
        ids = [(await make_user(client))["id"] for _ in range(3)]
        page = (await client.get("/v1/users", params={"limit": 2, "offset": 1})).json()
        assert [u["id"] for u in page] == [ids[1], ids[0]]

    async def test_count(self, client: httpx.AsyncClient) -> None:
        for _ in range(2):
            await make_user(client)
        assert (await client.get("/v1/users/count")).json() == {"object": "total_count", "total_count": 2}
