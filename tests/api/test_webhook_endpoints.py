"""locum's webhook endpoint API (/locum/webhooks/endpoints), the message log, and LOCUM_WEBHOOK_URL's endpoint."""

import base64
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import event, func, select, update

from locum.db.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from locum.instances.service import InstanceKeys
from locum.kit.ids import new_id
from locum.kit.sealing import Sealer
from locum.resources.webhook_endpoints.environment import ensure_environment_endpoint
from tests.builders import clerk_error, inspection_session
from tests.conftest import api_client
from tests.webhook_delivery import TOO_DEEP_TO_READ, add_endpoint, open_dashboard, store_event_types

ENDPOINT_KEYS = {
    "object", "id", "url", "description", "event_types", "enabled", "disabled_reason", "source", "secret",
    "created_at", "updated_at",
}  # fmt: skip
FIXED_SECRET = "whsec_" + base64.b64encode(b"a fixed secret of 32 bytes......").decode()
HTTP_REQUEST = {"client_ip": "203.0.113.7", "user_agent": "curl/8.5"}
# Timestamps for rows inserted directly (2024-06-01T00:00:00Z and on), apart from the real clock.
BASE_MS = 1_717_200_000_000
# A pending delivery's next attempt (2100-01-01): far enough that a running delivery worker leaves it be.
RETRY_AT_MS = 4_102_444_800_000


def secret_key_bytes(secret: str) -> bytes:
    assert secret.startswith("whsec_")
    return base64.b64decode(secret.removeprefix("whsec_"), validate=True)


async def make_endpoint(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/locum/webhooks/endpoints", json={"url": "http://localhost:3000/webhooks", **body})
    assert response.status_code == 200, response.text
    endpoint: dict[str, Any] = response.json()
    return endpoint


async def insert_event(
    app: FastAPI, *, instance_id: str, created_at: int, type: str = "user.created", data: dict[str, Any] | None = None
) -> str:
    event_id = new_id("event")
    async with inspection_session(app) as session:
        session.add(
            Event(
                id=event_id,
                instance_id=instance_id,
                type=type,
                data=data if data is not None else {"object": "user", "id": "user_1"},
                attributes={"http_request": HTTP_REQUEST},
                created_at=created_at,
                dispatched_at=created_at,
            )
        )
        await session.commit()
    return event_id


async def insert_delivery(
    app: FastAPI,
    *,
    instance_id: str,
    event_id: str,
    endpoint_id: str,
    status: str,
    attempts: Sequence[tuple[int | None, str]],
    next_attempt_at: int | None = None,
) -> str:
    """A delivery with one attempt per (response status, response excerpt); None status = connection error."""
    delivery_id = new_id("webhook_delivery")
    async with inspection_session(app) as session:
        session.add(
            WebhookDelivery(
                id=delivery_id,
                instance_id=instance_id,
                event_id=event_id,
                endpoint_id=endpoint_id,
                status=status,
                attempt_count=len(attempts),
                next_attempt_at=next_attempt_at,
                created_at=BASE_MS,
                updated_at=BASE_MS,
            )
        )
        await session.flush()
        for number, (response_status, excerpt) in enumerate(attempts):
            session.add(
                WebhookAttempt(
                    id=new_id("webhook_attempt"),
                    instance_id=instance_id,
                    delivery_id=delivery_id,
                    attempted_at=BASE_MS + number * 5000,
                    response_status=response_status,
                    response_excerpt=excerpt if response_status is not None else "",
                    error=None if response_status is not None else excerpt,
                    duration_ms=12 + number,
                )
            )
        await session.commit()
    return delivery_id


class TestCreateWebhookEndpoint:
    async def test_creates_with_a_generated_secret(self, client: httpx.AsyncClient) -> None:
        endpoint = await make_endpoint(
            client, event_types=["user.created", "user.updated", "user.created"], description="my app"
        )
        assert set(endpoint) == ENDPOINT_KEYS
        assert endpoint["object"] == "locum_webhook_endpoint" and endpoint["id"].startswith("ep_")
        assert endpoint["url"] == "http://localhost:3000/webhooks"
        assert endpoint["event_types"] == ["user.created", "user.updated"]
        assert (endpoint["description"], endpoint["source"]) == ("my app", "api")
        assert (endpoint["enabled"], endpoint["disabled_reason"]) == (True, None)
        assert len(secret_key_bytes(endpoint["secret"])) == 24
        assert endpoint["created_at"] == endpoint["updated_at"]

    async def test_defaults_to_every_event_type_and_keeps_a_fixed_secret(self, client: httpx.AsyncClient) -> None:
        endpoint = await make_endpoint(client, url="https://[::1]:8443/hook?x=1", secret=FIXED_SECRET)
        assert endpoint["event_types"] == [] and endpoint["description"] == ""
        assert endpoint["secret"] == FIXED_SECRET and endpoint["url"] == "https://[::1]:8443/hook?x=1"
        assert (await make_endpoint(client))["secret"] != (await make_endpoint(client))["secret"]

    async def test_requires_the_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            response = await anonymous.post("/locum/webhooks/endpoints", json={"url": "http://localhost/"})
        assert clerk_error(response) == (401, "authorization_header_format_invalid", None)

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            pytest.param({}, (422, "form_param_missing", "url"), id="no-url"),
            pytest.param({"url": 5}, (422, "form_param_type_invalid", "url"), id="url-not-a-string"),
            pytest.param({"url": "ftp://example.com"}, (422, "form_param_format_invalid", "url"), id="ftp"),
            pytest.param({"url": "localhost:3000"}, (422, "form_param_format_invalid", "url"), id="no-scheme"),
            pytest.param({"url": "http://"}, (422, "form_param_format_invalid", "url"), id="no-host"),
            pytest.param({"url": "http://a b.test/"}, (422, "form_param_format_invalid", "url"), id="space"),
            pytest.param({"url": "http://localhost:x/"}, (422, "form_param_format_invalid", "url"), id="bad-port"),
            pytest.param({"url": "http://localhost:70000/"}, (422, "form_param_format_invalid", "url"), id="port"),
            pytest.param(
                {"url": "http://localhost/", "event_types": ["user.created", "user.exploded"]},
                (422, "form_param_value_invalid", "event_types"),
                id="unknown-event-type",
            ),
            pytest.param(
                {"url": "http://localhost/", "secret": "sk_" + FIXED_SECRET},
                (422, "form_param_format_invalid", "secret"),
                id="secret-prefix",
            ),
            pytest.param(
                {"url": "http://localhost/", "secret": "whsec_not base64!"},
                (422, "form_param_format_invalid", "secret"),
                id="secret-not-base64",
            ),
            pytest.param(
                {
                    "url": "http://localhost/",
                    "secret": "whsec_" + base64.b64encode(b"23 bytes is too short!!").decode(),
                },
                (422, "form_param_format_invalid", "secret"),
                id="secret-too-short",
            ),
            pytest.param(
                {"url": "http://localhost/", "description": "d" * 1025},
                (422, "form_param_max_length_exceeded", "description"),
                id="description-too-long",
            ),
            pytest.param(
                {"url": "http://localhost/", "enabled": False},
                (422, "form_param_unknown", "enabled"),
                id="unknown-param",
            ),
        ],
    )
    async def test_validation(
        self, client: httpx.AsyncClient, body: dict[str, Any], expected: tuple[int, str, str]
    ) -> None:
        response = await client.post("/locum/webhooks/endpoints", json=body)
        assert clerk_error(response) == expected
        assert (await client.get("/locum/webhooks/endpoints")).json()["total_count"] == 0


class TestListWebhookEndpoints:
    async def test_newest_first_with_total_count(self, client: httpx.AsyncClient) -> None:
        created = [await make_endpoint(client, url=f"http://localhost/{number}") for number in range(3)]
        listed = (await client.get("/locum/webhooks/endpoints")).json()
        assert listed == {"data": created[::-1], "total_count": 3}
        page = (await client.get("/locum/webhooks/endpoints", params={"limit": 1, "offset": 1})).json()
        assert page == {"data": [created[1]], "total_count": 3}

    async def test_bad_limit(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/locum/webhooks/endpoints", params={"limit": 0})
        assert clerk_error(response)[:2] == (422, "form_param_value_invalid")

    async def test_other_instance_sees_none(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        await make_endpoint(client)
        assert (await other_client.get("/locum/webhooks/endpoints")).json() == {"data": [], "total_count": 0}


class TestGetWebhookEndpoint:
    async def test_shows_the_secret(self, client: httpx.AsyncClient) -> None:
        endpoint = await make_endpoint(client, secret=FIXED_SECRET)
        assert (await client.get(f"/locum/webhooks/endpoints/{endpoint['id']}")).json() == endpoint

    async def test_other_instance_gets_404(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        endpoint = await make_endpoint(client)
        response = await other_client.get(f"/locum/webhooks/endpoints/{endpoint['id']}")
        assert clerk_error(response) == (404, "resource_not_found", None)


class TestUpdateWebhookEndpoint:
    async def test_updates_given_fields_only(self, client: httpx.AsyncClient) -> None:
        endpoint = await make_endpoint(client, event_types=["user.created"], description="before")
        response = await client.patch(
            f"/locum/webhooks/endpoints/{endpoint['id']}",
            json={"url": "https://hooks.example.com/clerk", "event_types": ["session.created"]},
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["url"] == "https://hooks.example.com/clerk"
        assert updated["event_types"] == ["session.created"] and updated["description"] == "before"
        assert updated["secret"] == endpoint["secret"] and updated["updated_at"] >= endpoint["updated_at"]
        cleared = await client.patch(
            f"/locum/webhooks/endpoints/{endpoint['id']}", json={"event_types": None, "description": None}
        )
        assert (cleared.json()["event_types"], cleared.json()["description"]) == ([], "")

    async def test_disabling_and_enabling(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        endpoint = await make_endpoint(client)
        path = f"/locum/webhooks/endpoints/{endpoint['id']}"
        disabled = (await client.patch(path, json={"enabled": False})).json()
        assert (disabled["enabled"], disabled["disabled_reason"]) == (False, "manual")
        # As the delivery worker leaves an endpoint whose retries ran out.
        async with inspection_session(app) as session:
            await session.execute(
                update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint["id"]).values(disabled_reason="failing")
            )
            await session.commit()
        assert (await client.get(path)).json()["disabled_reason"] == "failing"
        enabled = (await client.patch(path, json={"enabled": True})).json()
        assert (enabled["enabled"], enabled["disabled_reason"]) == (True, None)

    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            pytest.param({"url": None}, (422, "form_param_nil", "url"), id="null-url"),
            pytest.param({"enabled": None}, (422, "form_param_nil", "enabled"), id="null-enabled"),
            pytest.param({"url": "mailto:a@b.c"}, (422, "form_param_format_invalid", "url"), id="bad-url"),
            pytest.param({"event_types": ["nope"]}, (422, "form_param_value_invalid", "event_types"), id="event-type"),
            pytest.param({"secret": FIXED_SECRET}, (422, "form_param_unknown", "secret"), id="secret-not-here"),
        ],
    )
    async def test_validation(
        self, client: httpx.AsyncClient, body: dict[str, Any], expected: tuple[int, str, str]
    ) -> None:
        endpoint = await make_endpoint(client)
        response = await client.patch(f"/locum/webhooks/endpoints/{endpoint['id']}", json=body)
        assert clerk_error(response) == expected
        assert (await client.get(f"/locum/webhooks/endpoints/{endpoint['id']}")).json() == endpoint

    async def test_other_instance_gets_404(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        endpoint = await make_endpoint(client)
        response = await other_client.patch(f"/locum/webhooks/endpoints/{endpoint['id']}", json={"enabled": False})
        assert clerk_error(response) == (404, "resource_not_found", None)
        assert (await client.get(f"/locum/webhooks/endpoints/{endpoint['id']}")).json()["enabled"] is True


class TestRotateWebhookEndpointSecret:
    async def test_generated_or_given(self, client: httpx.AsyncClient) -> None:
        endpoint = await make_endpoint(client)
        path = f"/locum/webhooks/endpoints/{endpoint['id']}/rotate_secret"
        rotated = (await client.post(path)).json()
        assert rotated["secret"] != endpoint["secret"] and len(secret_key_bytes(rotated["secret"])) == 24
        assert (await client.post(path, json={"secret": FIXED_SECRET})).json()["secret"] == FIXED_SECRET
        response = await client.post(path, json={"secret": "whsec_"})
        assert clerk_error(response) == (422, "form_param_format_invalid", "secret")

    async def test_other_instance_gets_404(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        endpoint = await make_endpoint(client)
        response = await other_client.post(f"/locum/webhooks/endpoints/{endpoint['id']}/rotate_secret")
        assert clerk_error(response) == (404, "resource_not_found", None)


class TestDeleteWebhookEndpoint:
    async def test_deletes_with_its_deliveries(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        endpoint = await make_endpoint(client)
        event_id = await insert_event(app, instance_id=instance.instance_id, created_at=BASE_MS)
        await insert_delivery(
            app,
            instance_id=instance.instance_id,
            event_id=event_id,
            endpoint_id=endpoint["id"],
            status="succeeded",
            attempts=[(204, "")],
        )
        response = await client.delete(f"/locum/webhooks/endpoints/{endpoint['id']}")
        assert response.json() == {"object": "locum_webhook_endpoint", "id": endpoint["id"], "deleted": True}
        assert clerk_error(await client.get(f"/locum/webhooks/endpoints/{endpoint['id']}"))[0] == 404
        async with inspection_session(app) as session:
            for table in (WebhookDelivery, WebhookAttempt):
                count = await session.scalar(
                    select(func.count()).select_from(table).where(table.instance_id == instance.instance_id)
                )
                assert count == 0
        # The event itself is history: it stays in the message log.
        assert (await client.get("/locum/webhooks/messages")).json()["total_count"] == 1

    async def test_other_instance_gets_404(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        endpoint = await make_endpoint(client)
        assert clerk_error(await other_client.delete(f"/locum/webhooks/endpoints/{endpoint['id']}"))[0] == 404
        assert (await client.get(f"/locum/webhooks/endpoints/{endpoint['id']}")).status_code == 200


@pytest.fixture
def statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements the app runs while the test does."""
    executed: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        executed.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield executed
    finally:
        event.remove(engine, "before_cursor_execute", remember)


class TestListWebhookMessages:
    @pytest.fixture
    async def history(self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys) -> dict[str, Any]:
        """Two endpoints and three events: the first delivered to both (one after a retry), the
        second to one and still pending, the third not fanned out yet."""
        first = await make_endpoint(client, url="http://localhost:3000/a")
        second = await make_endpoint(client, url="http://localhost:3000/b", event_types=["user.created"])
        created = await insert_event(app, instance_id=instance.instance_id, created_at=BASE_MS)
        updated = await insert_event(
            app, instance_id=instance.instance_id, created_at=BASE_MS + 1000, type="user.updated"
        )
        deleted = await insert_event(
            app,
            instance_id=instance.instance_id,
            created_at=BASE_MS + 2000,
            type="user.deleted",
            data={"object": "user", "id": "user_1", "deleted": True},
        )
        for endpoint_id, attempts in ((first["id"], [(500, "boom"), (200, "ok")]), (second["id"], [(204, "")])):
            await insert_delivery(
                app,
                instance_id=instance.instance_id,
                event_id=created,
                endpoint_id=endpoint_id,
                status="succeeded",
                attempts=attempts,
            )
        await insert_delivery(
            app,
            instance_id=instance.instance_id,
            event_id=updated,
            endpoint_id=first["id"],
            status="pending",
            attempts=[(None, "ConnectError: connection refused")],
            next_attempt_at=RETRY_AT_MS,
        )
        return {"first": first, "second": second, "events": [created, updated, deleted]}

    async def test_messages_with_deliveries_and_attempts(
        self, client: httpx.AsyncClient, instance: InstanceKeys, history: dict[str, Any]
    ) -> None:
        response = await client.get("/locum/webhooks/messages")
        assert response.status_code == 200, response.text
        listed = response.json()
        assert listed["total_count"] == 3
        created_id, updated_id, deleted_id = history["events"]
        assert [message["event_id"] for message in listed["data"]] == [deleted_id, updated_id, created_id]
        deleted, updated, created = listed["data"]
        assert deleted["id"] == "msg_" + deleted_id.removeprefix("evt_")
        assert deleted == {
            "object": "locum_webhook_message",
            "id": deleted["id"],
            "event_id": deleted_id,
            "event_type": "user.deleted",
            "created_at": BASE_MS + 2000,
            "payload": {
                "data": {"object": "user", "id": "user_1", "deleted": True},
                "object": "event",
                "type": "user.deleted",
                "timestamp": BASE_MS + 2000,
                "instance_id": instance.instance_id,
                "event_attributes": {"http_request": HTTP_REQUEST},
            },
            "error": None,
            "deliveries": [],
        }
        assert updated["deliveries"] == [
            {
                "endpoint_id": history["first"]["id"],
                "status": "pending",
                "attempt_count": 1,
                "next_attempt_at": RETRY_AT_MS,
                "attempts": [
                    {
                        "id": updated["deliveries"][0]["attempts"][0]["id"],
                        "attempted_at": BASE_MS,
                        "response_status": None,
                        "response_excerpt": "",
                        "error": "ConnectError: connection refused",
                        "duration_ms": 12,
                    }
                ],
            }
        ]
        by_endpoint = {delivery["endpoint_id"]: delivery for delivery in created["deliveries"]}
        retried = by_endpoint[history["first"]["id"]]
        assert (retried["status"], retried["attempt_count"]) == ("succeeded", 2)
        assert [(a["response_status"], a["response_excerpt"]) for a in retried["attempts"]] == [
            (500, "boom"),
            (200, "ok"),
        ]
        assert [attempt["id"][:6] for attempt in retried["attempts"]] == ["atmpt_", "atmpt_"]
        assert [a["response_status"] for a in by_endpoint[history["second"]["id"]]["attempts"]] == [204]

    async def test_filters_and_pages(self, client: httpx.AsyncClient, history: dict[str, Any]) -> None:
        created_id, updated_id, _ = history["events"]
        second = (await client.get("/locum/webhooks/messages", params={"endpoint_id": history["second"]["id"]})).json()
        assert [message["event_id"] for message in second["data"]] == [created_id] and second["total_count"] == 1
        assert [d["endpoint_id"] for d in second["data"][0]["deliveries"]] == [history["second"]["id"]]
        first = (await client.get("/locum/webhooks/messages", params={"endpoint_id": history["first"]["id"]})).json()
        assert [message["event_id"] for message in first["data"]] == [updated_id, created_id]
        typed = (await client.get("/locum/webhooks/messages", params={"event_type": "user.updated"})).json()
        assert [message["event_id"] for message in typed["data"]] == [updated_id] and typed["total_count"] == 1
        page = (await client.get("/locum/webhooks/messages", params={"limit": 1, "offset": 1})).json()
        assert [message["event_id"] for message in page["data"]] == [updated_id] and page["total_count"] == 3

    async def test_loads_deliveries_and_attempts_in_batches(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys, statements: list[str]
    ) -> None:
        endpoint = await make_endpoint(client)
        for number in range(12):
            event_id = await insert_event(app, instance_id=instance.instance_id, created_at=BASE_MS + number)
            await insert_delivery(
                app,
                instance_id=instance.instance_id,
                event_id=event_id,
                endpoint_id=endpoint["id"],
                status="succeeded",
                attempts=[(500, "no"), (200, "ok")],
            )
        statements.clear()
        listed = (await client.get("/locum/webhooks/messages", params={"limit": 12})).json()
        assert len(listed["data"]) == 12 and all(len(m["deliveries"][0]["attempts"]) == 2 for m in listed["data"])
        # The auth middleware may recheck the instance's keys meanwhile: only the listing's queries count.
        listing = [statement for statement in statements if "FROM events" in statement or "FROM webhook_" in statement]
        assert len(listing) == 4, listing  # events, their count, deliveries, attempts

    async def test_unknown_or_foreign_endpoint_is_404(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient, history: dict[str, Any]
    ) -> None:
        response = await other_client.get("/locum/webhooks/messages", params={"endpoint_id": history["first"]["id"]})
        assert clerk_error(response) == (404, "resource_not_found", None)
        assert (await other_client.get("/locum/webhooks/messages")).json() == {"data": [], "total_count": 0}

    async def test_requires_the_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            assert (await anonymous.get("/locum/webhooks/messages")).status_code == 401


class TestEndpointsLocumCannotFullyRead:
    """Rows a database may hold (another master key, a hand edit): every view and change still answers."""

    async def test_a_secret_sealed_with_another_master_key_shows_as_null(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        async with inspection_session(app) as session:
            foreign = add_endpoint(
                session, Sealer(Fernet.generate_key()), instance_id=instance.instance_id, url="http://localhost/x"
            )
            await session.commit()
        listed = await client.get("/locum/webhooks/endpoints")
        assert listed.status_code == 200, listed.text
        assert [(endpoint["id"], endpoint["secret"]) for endpoint in listed.json()["data"]] == [(foreign.id, None)]
        assert (await client.get(f"/locum/webhooks/endpoints/{foreign.id}")).json()["secret"] is None
        disabled = await client.patch(f"/locum/webhooks/endpoints/{foreign.id}", json={"enabled": False})
        assert disabled.status_code == 200 and disabled.json()["secret"] is None
        dashboard = await open_dashboard(app, client)
        assert dashboard.status_code == 200 and "does not unseal" in dashboard.text
        rotated = await client.post(f"/locum/webhooks/endpoints/{foreign.id}/rotate_secret", json={})
        assert rotated.json()["secret"].startswith("whsec_")

    @pytest.mark.parametrize(
        "stored",
        [
            pytest.param('"user.created"', id="no-list"),
            pytest.param("[1]", id="no-event-types"),
            pytest.param(TOO_DEEP_TO_READ, id="unreadable"),
        ],
    )
    async def test_event_types_that_cannot_be_read_show_as_null_until_set_again(
        self, app: FastAPI, client: httpx.AsyncClient, stored: str
    ) -> None:
        endpoint = await make_endpoint(client)
        await store_event_types(app, endpoint["id"], stored)
        listed = await client.get("/locum/webhooks/endpoints")
        assert listed.status_code == 200, listed.text
        assert listed.json()["data"] == [{**endpoint, "event_types": None}]
        assert (await client.get(f"/locum/webhooks/endpoints/{endpoint['id']}")).json()["event_types"] is None
        dashboard = await open_dashboard(app, client)
        assert dashboard.status_code == 200 and "cannot be read" in dashboard.text
        rotated = await client.post(f"/locum/webhooks/endpoints/{endpoint['id']}/rotate_secret", json={})
        assert rotated.status_code == 200 and rotated.json()["event_types"] is None
        path = f"/locum/webhooks/endpoints/{endpoint['id']}"
        fixed = await client.patch(path, json={"event_types": ["user.created"]})
        assert fixed.status_code == 200 and fixed.json()["event_types"] == ["user.created"]
        deleted = await client.delete(path)
        assert deleted.status_code == 200


class TestEnvironmentEndpoint:
    """ensure_environment_endpoint, as `locum serve` runs it for LOCUM_WEBHOOK_URL at every start."""

    async def ensure(self, app: FastAPI, instance: InstanceKeys, url: str | None, secret: str | None = None) -> Any:
        async with inspection_session(app) as session:
            result = await ensure_environment_endpoint(
                session, app.state.sealer, instance_id=instance.instance_id, url=url, secret=secret
            )
            await session.commit()
        return result

    async def environment_endpoints(self, client: httpx.AsyncClient) -> list[dict[str, Any]]:
        listed = (await client.get("/locum/webhooks/endpoints")).json()["data"]
        return [endpoint for endpoint in listed if endpoint["source"] == "environment"]

    async def test_created_once_then_kept(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        manual = await make_endpoint(client)
        secret = await self.ensure(app, instance, "http://localhost:4000/clerk")
        assert len(secret_key_bytes(secret)) == 24
        [endpoint] = await self.environment_endpoints(client)
        assert (endpoint["url"], endpoint["secret"], endpoint["event_types"]) == (
            "http://localhost:4000/clerk",
            secret,
            [],
        )
        assert await self.ensure(app, instance, "http://localhost:4000/clerk") == secret
        assert await self.environment_endpoints(client) == [endpoint]
        assert (await client.get(f"/locum/webhooks/endpoints/{manual['id']}")).json() == manual

    async def test_follows_the_environment(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        generated = await self.ensure(app, instance, "http://localhost:4000/clerk")
        [endpoint] = await self.environment_endpoints(client)
        await client.patch(f"/locum/webhooks/endpoints/{endpoint['id']}", json={"enabled": False})
        # Same URL: the state the API (or the worker) left stays.
        assert await self.ensure(app, instance, "http://localhost:4000/clerk") == generated
        assert (await self.environment_endpoints(client))[0]["enabled"] is False
        # A new URL is a new receiver: enabled again, same endpoint, same secret.
        assert await self.ensure(app, instance, "http://localhost:5000/clerk") == generated
        [moved] = await self.environment_endpoints(client)
        assert (moved["id"], moved["url"], moved["enabled"], moved["disabled_reason"]) == (
            endpoint["id"],
            "http://localhost:5000/clerk",
            True,
            None,
        )
        # LOCUM_WEBHOOK_SECRET fixes the secret; dropping it later (or leaving it empty) keeps the last one.
        assert await self.ensure(app, instance, "http://localhost:5000/clerk", FIXED_SECRET) == FIXED_SECRET
        assert await self.ensure(app, instance, "http://localhost:5000/clerk") == FIXED_SECRET
        assert await self.ensure(app, instance, "http://localhost:5000/clerk", "") == FIXED_SECRET
        # An empty LOCUM_WEBHOOK_URL is no URL.
        assert await self.ensure(app, instance, "") is None
        assert await self.environment_endpoints(client) == []

    async def test_a_fixed_secret_from_the_start(
        self, app: FastAPI, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        assert await self.ensure(app, instance, "https://tunnel.example.com/h", FIXED_SECRET) == FIXED_SECRET
        assert [e["secret"] for e in await self.environment_endpoints(client)] == [FIXED_SECRET]

    @pytest.mark.parametrize(
        ("url", "secret", "variable"),
        [
            pytest.param("localhost:4000", None, "LOCUM_WEBHOOK_URL", id="url"),
            pytest.param("http://localhost:4000", "whsec_short", "LOCUM_WEBHOOK_SECRET", id="secret"),
        ],
    )
    async def test_refuses_malformed_settings_without_changes(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        instance: InstanceKeys,
        url: str,
        secret: str | None,
        variable: str,
    ) -> None:
        await self.ensure(app, instance, "http://localhost:4000/clerk")
        before = await self.environment_endpoints(client)
        with pytest.raises(ValueError, match=variable):
            await self.ensure(app, instance, url, secret)
        assert await self.environment_endpoints(client) == before
