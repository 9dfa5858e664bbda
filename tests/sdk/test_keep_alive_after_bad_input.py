"""Against a real `locum serve`: each input that once answered 500 now gets a Clerk-format 4xx, and the
next request on the same keep-alive connection succeeds."""

import http.client
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest

from tests.sdk.conftest import LocumServer

BEYOND_INT64 = 2**63


@pytest.fixture
def connection(server: LocumServer) -> Iterator[http.client.HTTPConnection]:
    origin = urlsplit(server.origin)
    connection = http.client.HTTPConnection(origin.hostname or "127.0.0.1", origin.port, timeout=10)
    yield connection
    connection.close()


def exchange(
    connection: http.client.HTTPConnection, secret_key: str, method: str, target: str, body: bytes | None = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {secret_key}", "Content-Type": "application/json"}
    connection.request(method, target, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    assert response.getheader("connection") != "close"
    return response.status, orjson.loads(payload)


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        pytest.param("GET", f"/v1/users?offset={BEYOND_INT64}", None, id="offset"),
        pytest.param("GET", "/v1/users?created_at_after=99999999999999999999999", None, id="created-at-after"),
        pytest.param("GET", f"/v1/users?last_active_at_before={BEYOND_INT64}", None, id="last-active-before"),
        pytest.param("POST", "/v1/users", orjson.dumps({"create_organizations_limit": BEYOND_INT64}), id="limit-int64"),
        pytest.param("POST", "/v1/users", orjson.dumps({"create_organizations_limit": 2**31}), id="limit-int32"),
        pytest.param(
            "POST",
            "/v1/organizations",
            orjson.dumps({"name": "Acme", "max_allowed_memberships": 2**31}),
            id="org-limit",
        ),
        pytest.param("POST", "/v1/users", orjson.dumps({"first_name": "Ada\x00"}), id="nul-field"),
        pytest.param("GET", "/v1/users?email_address=%00", None, id="nul-filter"),
        pytest.param("GET", "/v1/users/%00", None, id="nul-path"),
        pytest.param("POST", "/v1/users", orjson.dumps({"public_metadata": {"a": "\x00"}}), id="nul-metadata"),
        pytest.param("POST", "/v1/users", orjson.dumps({"first_name": "x" * 256}), id="long-name"),
        pytest.param("POST", "/v1/users", orjson.dumps({"banned": "yes"}), id="loose-boolean"),
        pytest.param("POST", "/v1/users", b"null", id="null-body"),
    ],
)
def test_bad_input_gets_a_4xx_and_the_connection_stays_usable(
    server: LocumServer, connection: http.client.HTTPConnection, method: str, target: str, body: bytes | None
) -> None:
    status, payload = exchange(connection, server.secret_key, method, target, body)
    assert 400 <= status < 500, payload
    errors = payload["errors"]
    assert isinstance(errors, list) and errors[0]["code"] and "clerk_trace_id" in payload
    socket_before = connection.sock

    status, users = exchange(connection, server.secret_key, "GET", "/v1/users?limit=1")
    assert status == 200 and isinstance(users, list)
    assert connection.sock is socket_before
