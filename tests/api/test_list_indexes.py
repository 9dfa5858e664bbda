"""Every filter and order of the users and organizations lists reaches its rows through an index.

Each request's statements are recorded (the bare-driver reads and the ORM's) and explained:

- SQLite: no `SCAN <table>` without an index in `EXPLAIN QUERY PLAN`, and the page's ids are read
  in the order's index order (no sort of the candidate rows, no value looked up per candidate).
  The planner statistics are fixed (db/planner_stats.py), so these plans are the plans at a
  million users.
- PostgreSQL: with sequential scans disabled, a `Seq Scan` on a listed table means that no index
  can serve the statement.
"""

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from locum.db.reads import CompiledRead
from locum.resources.users.repository import ORDER_COLUMNS

LISTED_TABLES = (
    "users",
    "email_addresses",
    "phone_numbers",
    "web3_wallets",
    "external_accounts",
    "organizations",
    "organization_memberships",
)

USER_FILTERS = [
    pytest.param("email_address=a@example.com", id="email_address"),
    pytest.param("phone_number=%2B14155550100", id="phone_number"),
    pytest.param("username=someone", id="username"),
    pytest.param("external_id=ext_1", id="external_id"),
    pytest.param("web3_wallet=0x0000000000000000000000000000000000000001", id="web3_wallet"),
    pytest.param("user_id=user_1", id="user_id"),
    pytest.param("user_id=-user_1", id="user_id_excluded"),
    pytest.param("organization_id=org_1", id="organization_id"),
    pytest.param("organization_id=-org_1", id="organization_id_excluded"),
    pytest.param("query=example", id="query"),
    pytest.param("query=ex", id="query_shorter_than_a_trigram"),
    pytest.param("email_address_query=example", id="email_address_query"),
    pytest.param("phone_number_query=4155", id="phone_number_query"),
    pytest.param("username_query=some", id="username_query"),
    pytest.param("name_query=ada lo", id="name_query"),
    pytest.param("banned=true", id="banned"),
    pytest.param("last_active_at_before=1", id="last_active_at_before"),
    pytest.param("last_active_at_after=1", id="last_active_at_after"),
    pytest.param("last_active_at_since=1", id="last_active_at_since"),
    pytest.param("created_at_before=1", id="created_at_before"),
    pytest.param("created_at_after=1", id="created_at_after"),
    pytest.param("last_sign_in_at_before=1", id="last_sign_in_at_before"),
    pytest.param("last_sign_in_at_after=1", id="last_sign_in_at_after"),
    pytest.param("provider=oauth_google&provider_user_id=1", id="provider"),
]
USER_ORDERS = list(ORDER_COLUMNS)  # every order_by the users list accepts
ORGANIZATION_FILTERS = [
    pytest.param("query=acme", id="query"),
    pytest.param("user_id=user_1", id="user_id"),
    pytest.param("user_id=-user_1", id="user_id_excluded"),
    pytest.param("organization_id=org_1", id="organization_id"),
    pytest.param("organization_id=-org_1", id="organization_id_excluded"),
]
ORGANIZATION_ORDERS = ["created_at", "name", "members_count"]

Statement = tuple[str, tuple[Any, ...]]
Plan = tuple[str, list[str]]


@pytest.fixture
def statements(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Statement]]:
    """The SELECTs the app runs while the test makes its request."""
    recorded: list[Statement] = []
    reader = app.state.reader
    fetch = reader.fetch

    async def recording_fetch(read: CompiledRead, values: Any = None) -> Any:
        recorded.append((read.sql, read.parameters(values)))
        return await fetch(read, values)

    monkeypatch.setattr(reader, "fetch", recording_fetch)

    def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            recorded.append((sql, tuple(parameters)))

    sync_engine = app.state.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", record)
    yield recorded
    event.remove(sync_engine, "before_cursor_execute", record)


@pytest.fixture
async def plans(app: FastAPI) -> AsyncIterator[Any]:
    engine = app.state.engine

    async def explain(statements: list[Statement]) -> list[list[str]]:
        result = []
        async with engine.connect() as connection:
            for sql, parameters in statements:
                if engine.dialect.name == "sqlite":
                    rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
                    result.append(_sqlite_plan_lines(list(rows)))
                else:
                    await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
                    rows = await connection.exec_driver_sql(f"EXPLAIN {sql}", parameters)
                    result.append([row[0] for row in rows])
        return result

    yield explain


def _sqlite_plan_lines(rows: list[Any]) -> list[str]:
    """Each plan line prefixed with `inner:` when it belongs to a subquery (the page's ids)."""
    parents = {row[0]: row[1] for row in rows}
    subqueries = {row[0] for row in rows if "SUBQUERY" in row[3]}

    def inner(node: int) -> bool:
        while node:
            if node in subqueries:
                return True
            node = parents.get(node, 0)
        return False

    return [("inner: " if inner(row[1]) else "") + row[3] for row in rows]


FULL_SCAN = re.compile(rf"^(?:inner: )?SCAN ({'|'.join(LISTED_TABLES)})\b(?!.*INDEX)")
PG_FULL_SCAN = re.compile(rf"Seq Scan on ({'|'.join(LISTED_TABLES)})\b")
# every row of the instance, in some index's order: what a filter must not need to count its rows
INSTANCE_WALK = re.compile(rf"SEARCH ({'|'.join(LISTED_TABLES)}) USING (?:COVERING )?INDEX \S+ \(instance_id=\?\)$")
SORT = re.compile(r"^inner: USE TEMP B-TREE|TEMP B-TREE FOR RIGHT PART OF ORDER BY")
PER_CANDIDATE_LOOKUP = re.compile(r"^inner: CORRELATED SCALAR SUBQUERY")
# Filters that keep most rows: counting them walks the instance's rows (excluded ids), or text
# too short for trigrams, which scans as LIKE always did.
FILTERS_WALKING_THE_INSTANCE = {"user_id=-user_1", "organization_id=-org_1", "query=ex"}


async def _explained(client: httpx.AsyncClient, statements: list[Statement], plans: Any, path: str) -> list[Plan]:
    statements.clear()
    response = await client.get(path)
    assert response.status_code == 200, response.text
    listed = [statement for statement in statements if re.search(r"\b(users|organizations)\b", statement[0])]
    assert listed
    explained = await plans(listed)
    for sql, plan in zip(listed, explained, strict=True):
        full_scans = [line for line in plan if FULL_SCAN.search(line) or PG_FULL_SCAN.search(line)]
        assert not full_scans, (sql[0], plan)
    return [(sql, plan) for (sql, _parameters), plan in zip(listed, explained, strict=True)]


async def _check_filter(
    client: httpx.AsyncClient, statements: list[Statement], plans: Any, path: str, query: str
) -> None:
    for sql, plan in await _explained(client, statements, plans, f"{path}?{query}"):
        if "count(" in sql and query not in FILTERS_WALKING_THE_INSTANCE:
            assert not [line for line in plan if INSTANCE_WALK.search(line)], (sql, plan)


async def _check_order(client: httpx.AsyncClient, statements: list[Statement], plans: Any, path: str) -> None:
    for sql, plan in await _explained(client, statements, plans, path):
        assert not [line for line in plan if SORT.search(line)], (sql, plan)
        assert not [line for line in plan if PER_CANDIDATE_LOOKUP.search(line)], (sql, plan)


class TestUserList:
    @pytest.mark.parametrize("query", USER_FILTERS)
    async def test_filter_uses_an_index(
        self, client: httpx.AsyncClient, statements: list[Statement], plans: Any, query: str
    ) -> None:
        await _check_filter(client, statements, plans, "/v1/users", query)
        await _check_filter(client, statements, plans, "/v1/users/count", query)

    @pytest.mark.parametrize("field", USER_ORDERS)
    @pytest.mark.parametrize("direction", ["%2B", "-"])
    async def test_order_uses_an_index(
        self, client: httpx.AsyncClient, statements: list[Statement], plans: Any, field: str, direction: str
    ) -> None:
        path = f"/v1/users?order_by={direction}{field}&offset=20"
        await _check_order(client, statements, plans, path)


class TestOrganizationList:
    @pytest.mark.parametrize("query", ORGANIZATION_FILTERS)
    async def test_filter_uses_an_index(
        self, client: httpx.AsyncClient, statements: list[Statement], plans: Any, query: str
    ) -> None:
        await _check_filter(client, statements, plans, "/v1/organizations", query)

    @pytest.mark.parametrize("field", ORGANIZATION_ORDERS)
    @pytest.mark.parametrize("direction", ["%2B", "-"])
    async def test_order_uses_an_index(
        self, client: httpx.AsyncClient, statements: list[Statement], plans: Any, field: str, direction: str
    ) -> None:
        path = f"/v1/organizations?order_by={direction}{field}&offset=20"
        await _check_order(client, statements, plans, path)
