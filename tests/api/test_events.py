"""Events are recorded in the transaction of the change they report: never for a failed change."""

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import Event
from tests.builders import inspection_session, make_user, unique_email
from tests.conftest import RecordedEvents


async def test_user_lifecycle_records_events_with_api_data(
    client: httpx.AsyncClient, recorded_events: RecordedEvents
) -> None:
    user = await make_user(client)
    updated = (await client.patch(f"/v1/users/{user['id']}", json={"first_name": "Lin"})).json()
    deleted = (await client.delete(f"/v1/users/{user['id']}")).json()
    assert await recorded_events() == [("user.created", user), ("user.updated", updated), ("user.deleted", deleted)]


async def test_failed_changes_record_nothing(client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
    await make_user(client, email_address=["taken@example.com"])
    before = await recorded_events()
    assert (await client.post("/v1/users", json={"email_address": ["taken@example.com"]})).status_code == 422
    assert (await client.patch("/v1/users/user_missing", json={"first_name": "x"})).status_code == 404
    assert (await client.post("/v1/users", json={"username": "!!"})).status_code == 422
    assert await recorded_events() == before


async def test_conflict_found_at_commit_rolls_back_the_event(
    client: httpx.AsyncClient, recorded_events: RecordedEvents
) -> None:
    first = await make_user(client, username="unique_name")
    second = await make_user(client)
    before = await recorded_events()
    response = await client.patch(f"/v1/users/{second['id']}", json={"username": "UNIQUE_NAME"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["meta"] == {"param_name": "username"}
    assert await recorded_events() == before
    assert (await client.get(f"/v1/users/{first['id']}")).json()["username"] == "unique_name"


async def test_events_carry_the_http_request_that_caused_them(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = {"User-Agent": "acme-backend/1.0", "X-Forwarded-For": "203.0.113.7, 10.0.0.1"}
    user = (await client.post("/v1/users", json={"email_address": [unique_email()]}, headers=headers)).json()
    async with inspection_session(app) as db:
        event = await db.scalar(
            select(Event).where(Event.type == "user.created", Event.data["id"].as_string() == user["id"])
        )
    assert event is not None
    assert event.attributes == {"http_request": {"client_ip": "203.0.113.7", "user_agent": "acme-backend/1.0"}}
