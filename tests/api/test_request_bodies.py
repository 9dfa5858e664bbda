"""JSON request bodies are parsed as Clerk parses them, and held to the bounds of api/bodies.py."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message

from locum.api import routing
from locum.api.bodies import MAX_JSON_BODY_BYTES, MAX_JSON_DEPTH, MAX_LIST_LENGTH, METADATA_MAX_BYTES
from locum.instances.service import InstanceKeys
from tests.builders import clerk_error, make_organization, make_user, unique_email


async def test_an_integer_beyond_64_bits_becomes_a_float(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/users",
        json={"email_address": [unique_email()], "public_metadata": {"n": 123456789012345678901234567890}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["public_metadata"] == {"n": 1.2345678901234568e29}


async def test_malformed_json_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/users", content=b"{bad", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "request_body_invalid"


def users_body_with_nested_metadata(depth: int) -> bytes:
    """A CreateUser body whose public_metadata is `depth` objects deep (built as text: encoders stop earlier)."""
    metadata = b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1)
    return b'{"email_address": ["' + unique_email().encode() + b'"], "public_metadata": ' + metadata + b"}"


class TestBodySize:
    async def test_a_body_over_the_limit_is_refused_before_it_is_read(self, client: httpx.AsyncClient) -> None:
        declared_only = await client.post(
            "/v1/users",
            content=b"{}",
            headers={"content-type": "application/json", "content-length": str(MAX_JSON_BODY_BYTES + 1)},
        )
        assert clerk_error(declared_only) == (413, "request_body_too_large", None)
        assert declared_only.headers["connection"] == "close"

    async def test_a_streamed_body_over_the_limit_is_refused(self, client: httpx.AsyncClient) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"first_name": "'
            for _ in range(MAX_JSON_BODY_BYTES // 1024 + 1):
                yield b"x" * 1024
            yield b'"}'

        response = await client.post("/v1/users", content=chunks(), headers={"content-type": "application/json"})
        assert clerk_error(response) == (413, "request_body_too_large", None)

    async def test_a_body_that_stops_arriving_times_out(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(routing, "BODY_READ_TIMEOUT_SECONDS", 0.2)

        async def stalled() -> AsyncIterator[bytes]:
            yield b'{"first_name": "'
            await asyncio.sleep(5)
            yield b'"}'

        response = await client.post("/v1/users", content=stalled(), headers={"content-type": "application/json"})
        assert clerk_error(response) == (408, "request_timeout", None)
        assert response.headers["connection"] == "close"

    async def test_a_body_at_the_limit_is_read(self, client: httpx.AsyncClient) -> None:
        padding = " " * (MAX_JSON_BODY_BYTES - 200)
        body = f'{{"email_address": ["{unique_email()}"]{padding}}}'.encode()
        response = await client.post("/v1/users", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 200, response.text


class TestBodyShape:
    @pytest.mark.parametrize("body", [b"null", b"42", b'"text"', b"true"])
    async def test_a_body_that_is_not_an_object_is_refused(self, client: httpx.AsyncClient, body: bytes) -> None:
        response = await client.post("/v1/users", content=body, headers={"content-type": "application/json"})
        assert clerk_error(response) == (400, "request_body_invalid", None)

    async def test_no_body_at_all_means_no_parameters(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.patch(f"/v1/users/{user['id']}")
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize(
        "framing", [[(b"content-length", b"0")], []], ids=["content-length 0", "no length, no transfer-encoding"]
    )
    async def test_a_request_that_declares_no_body_is_not_waited_for(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, framing: list[tuple[bytes, bytes]]
    ) -> None:
        user = await make_user(client)
        sent: list[Message] = []

        async def receive_nothing() -> Message:
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "PATCH",
            "scheme": "http",
            "path": f"/v1/users/{user['id']}",
            "raw_path": f"/v1/users/{user['id']}".encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"localhost"),
                (b"authorization", f"Bearer {instance.secret_key}".encode()),
                *framing,
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        await asyncio.wait_for(app(scope, receive_nothing, send), timeout=10)
        assert sent[0]["status"] == 200

    @pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 253, 1024])
    async def test_metadata_nesting_is_bounded(self, client: httpx.AsyncClient, depth: int) -> None:
        # The body is one level, public_metadata the next: metadata `depth - 1` deep makes a body `depth` deep.
        response = await client.post(
            "/v1/users",
            content=users_body_with_nested_metadata(depth - 1),
            headers={"content-type": "application/json"},
        )
        if depth <= MAX_JSON_DEPTH:
            assert response.status_code == 200, response.text
        else:
            assert clerk_error(response) == (422, "form_param_value_invalid", "public_metadata")

    async def test_nesting_beyond_the_parser_is_invalid_json(self, client: httpx.AsyncClient) -> None:
        body = b'{"public_metadata": ' + b"[" * 1100 + b"]" * 1100 + b"}"
        response = await client.post("/v1/users", content=body, headers={"content-type": "application/json"})
        assert clerk_error(response) == (400, "request_body_invalid", None)

    @pytest.mark.parametrize(
        ("body", "param"),
        [
            pytest.param({"first_name": "Ada\x00"}, "first_name", id="string-field"),
            pytest.param({"public_metadata": {"note": "a\x00b"}}, "public_metadata", id="metadata-value"),
            pytest.param({"public_metadata": {"deep": [{"k\x00": 1}]}}, "public_metadata", id="metadata-key"),
            pytest.param({"email_address": ["a\x00@example.com"]}, "email_address", id="list-item"),
        ],
    )
    async def test_nul_characters_are_refused(
        self, client: httpx.AsyncClient, body: dict[str, Any], param: str
    ) -> None:
        response = await client.post("/v1/users", json={"email_address": [unique_email()], **body})
        assert clerk_error(response) == (422, "form_param_format_invalid", param)


class TestStrictTypes:
    @pytest.mark.parametrize(
        ("body", "param"),
        [
            pytest.param({"banned": "yes"}, "banned", id="string-for-boolean"),
            pytest.param({"locked": 1}, "locked", id="integer-for-boolean"),
            pytest.param({"create_organizations_limit": "3"}, "create_organizations_limit", id="string-for-integer"),
            pytest.param({"create_organizations_limit": 3.0}, "create_organizations_limit", id="float-for-integer"),
            pytest.param({"first_name": 7}, "first_name", id="integer-for-string"),
        ],
    )
    async def test_values_of_the_wrong_type_are_refused(
        self, client: httpx.AsyncClient, body: dict[str, Any], param: str
    ) -> None:
        response = await client.post("/v1/users", json={"email_address": [unique_email()], **body})
        assert clerk_error(response) == (422, "form_param_type_invalid", param)

    async def test_true_booleans_are_accepted(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, banned=True)
        assert user["banned"] is True


class TestFieldBounds:
    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param({"first_name": "x" * 256}, "form_param_max_length_exceeded", "first_name", id="long-name"),
            pytest.param({"external_id": "x" * 256}, "form_param_max_length_exceeded", "external_id", id="external-id"),
            pytest.param({"locale": "x" * 33}, "form_param_max_length_exceeded", "locale", id="locale"),
            pytest.param(
                {"create_organizations_limit": 2**31},
                "form_param_value_invalid",
                "create_organizations_limit",
                id="int32",
            ),
            pytest.param(
                {"create_organizations_limit": 2**63},
                "form_param_value_invalid",
                "create_organizations_limit",
                id="int64",
            ),
            pytest.param(
                {"email_address": [unique_email() for _ in range(MAX_LIST_LENGTH + 1)]},
                "form_param_array_size_exceeded",
                "email_address",
                id="long-list",
            ),
        ],
    )
    async def test_values_beyond_their_bounds_are_refused(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str, param: str
    ) -> None:
        response = await client.post("/v1/users", json={"email_address": [unique_email()], **body})
        assert clerk_error(response) == (422, code, param)

    async def test_values_at_their_bounds_are_stored(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, first_name="x" * 255, create_organizations_limit=2**31 - 1)
        assert user["first_name"] == "x" * 255 and user["create_organizations_limit"] == 2**31 - 1

    async def test_an_organization_limit_beyond_32_bits_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/organizations", json={"name": "Acme", "max_allowed_memberships": 2**31})
        assert clerk_error(response) == (422, "form_param_value_invalid", "max_allowed_memberships")


class TestMetadataSize:
    @pytest.mark.parametrize("field", ["public_metadata", "private_metadata", "unsafe_metadata"])
    async def test_metadata_over_8_kb_is_refused(self, client: httpx.AsyncClient, field: str) -> None:
        too_large = {"blob": "x" * METADATA_MAX_BYTES}
        response = await client.post("/v1/users", json={"email_address": [unique_email()], field: too_large})
        assert clerk_error(response) == (422, "form_param_exceeds_allowed_size", field)

    async def test_metadata_of_8_kb_is_stored(self, client: httpx.AsyncClient) -> None:
        exactly = {"blob": "x" * (METADATA_MAX_BYTES - len(b'{"blob":""}'))}
        user = await make_user(client, public_metadata=exactly)
        assert user["public_metadata"] == exactly

    async def test_organization_metadata_is_bounded_too(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/organizations", json={"name": "Acme", "private_metadata": {"blob": "x" * METADATA_MAX_BYTES}}
        )
        assert clerk_error(response) == (422, "form_param_exceeds_allowed_size", "private_metadata")

    async def test_merges_cannot_grow_metadata_past_8_kb(self, client: httpx.AsyncClient) -> None:
        half = "x" * (METADATA_MAX_BYTES // 2)
        user = await make_user(client, public_metadata={"first": half})
        path = f"/v1/users/{user['id']}/metadata"
        response = await client.patch(path, json={"public_metadata": {"second": half}})
        assert clerk_error(response) == (422, "form_param_exceeds_allowed_size", "public_metadata")
        replaced = await client.patch(path, json={"public_metadata": {"first": None, "second": half}})
        assert replaced.status_code == 200 and replaced.json()["public_metadata"] == {"second": half}

    async def test_organization_and_membership_merges_are_bounded_too(self, client: httpx.AsyncClient) -> None:
        half = "x" * (METADATA_MAX_BYTES // 2)
        organization = await make_organization(client)
        user = await make_user(client)
        path = f"/v1/organizations/{organization['id']}"
        joined = await client.post(f"{path}/memberships", json={"user_id": user["id"], "role": "org:member"})
        assert joined.status_code == 200, joined.text
        for target in (f"{path}/metadata", f"{path}/memberships/{user['id']}/metadata"):
            first = await client.patch(target, json={"private_metadata": {"first": half}})
            assert first.status_code == 200, first.text
            second = await client.patch(target, json={"private_metadata": {"second": half}})
            assert clerk_error(second) == (422, "form_param_exceeds_allowed_size", "private_metadata")


async def test_metadata_integers_past_64_bits_signed_are_kept(client: httpx.AsyncClient) -> None:
    # Below 2**64 orjson keeps them as integers; no column holds metadata values as typed numbers.
    user = await make_user(client, public_metadata={"n": 2**63})
    fetched = await client.get(f"/v1/users/{user['id']}")
    assert user["public_metadata"] == fetched.json()["public_metadata"] == {"n": 2**63}
