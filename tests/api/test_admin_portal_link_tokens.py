"""Admin portal link tokens: create (shown once, one link per organization) and revoke."""

import asyncio
import hashlib
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from locum.db.models import AdminPortalLinkToken
from locum.instances.service import InstanceKeys
from locum.kit import clock
from tests.builders import clerk_error, error_of, inspection_session, make_organization
from tests.conftest import api_client

TOKEN_KEYS = {
    "object",
    "id",
    "admin_portal_link_id",
    "instance_id",
    "organization_id",
    "it_contact_id",
    "scopes",
    "revoked",
    "revocation_reason",
    "expired",
    "expiration",
    "created_at",
    "updated_at",
}
TOKEN_ID = re.compile(r"^aplt_[0-9a-f]{32}$")
LINK_ID = re.compile(r"^apl_[0-9A-Za-z]{27}$")
SECOND_MS = 1000
DEFAULT_EXPIRATION_S = 3600


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/admin_portal_link_tokens", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def revoke(client: httpx.AsyncClient, token_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/v1/admin_portal_link_tokens/{token_id}/revoke", json=body)


class TestCreateAdminPortalLinkToken:
    async def test_creates_a_token_shown_once_that_expires_in_an_hour_by_default(
        self, client: httpx.AsyncClient, instance: InstanceKeys
    ) -> None:
        token = await create(client)
        assert set(token) == TOKEN_KEYS | {"token"} and token["object"] == "admin_portal_link_token"
        assert TOKEN_ID.match(token["id"]) and LINK_ID.match(token["admin_portal_link_id"])
        assert token["instance_id"] == instance.instance_id
        assert token["organization_id"] is None and token["it_contact_id"] is None and token["scopes"] is None
        assert token["revoked"] is False and token["revocation_reason"] is None and token["expired"] is False
        assert token["expiration"] == token["created_at"] + DEFAULT_EXPIRATION_S * SECOND_MS
        assert token["created_at"] == token["updated_at"]
        assert token["token"].startswith("aplt_") and len(token["token"]) > len(token["id"])

    async def test_keeps_the_organization_contact_scopes_and_lifetime(self, client: httpx.AsyncClient) -> None:
        organization = await make_organization(client)
        token = await create(
            client,
            organization_id=organization["id"],
            it_contact_id="it-contact-7",
            scopes=["admin_portal:read", "admin_portal:write"],
            seconds_until_expiration=86_400,
        )
        assert token["organization_id"] == organization["id"] and token["it_contact_id"] == "it-contact-7"
        assert token["scopes"] == ["admin_portal:read", "admin_portal:write"]
        assert token["expiration"] == token["created_at"] + 86_400 * SECOND_MS

    async def test_null_fields_read_as_omitted(self, client: httpx.AsyncClient) -> None:
        token = await create(client, organization_id=None, it_contact_id=None, scopes=None)
        assert token["organization_id"] is None and token["scopes"] is None

    async def test_each_token_has_its_own_id_and_secret(self, client: httpx.AsyncClient) -> None:
        first, second = await create(client), await create(client)
        assert first["id"] != second["id"] and first["token"] != second["token"]

    async def test_tokens_of_one_organization_share_its_link(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        acme, globex = await make_organization(client), await make_organization(client, name="Globex")
        first, second = (
            await create(client, organization_id=acme["id"]),
            await create(client, organization_id=acme["id"]),
        )
        assert first["admin_portal_link_id"] == second["admin_portal_link_id"]
        other_organization = await create(client, organization_id=globex["id"])
        unscoped, unscoped_again = await create(client), await create(client)
        assert unscoped["admin_portal_link_id"] == unscoped_again["admin_portal_link_id"]
        another_instance = await create(other_client)
        links = {
            first["admin_portal_link_id"],
            other_organization["admin_portal_link_id"],
            unscoped["admin_portal_link_id"],
            another_instance["admin_portal_link_id"],
        }
        assert len(links) == 4

    async def test_stores_only_the_digest_of_the_token(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        token = await create(client, it_contact_id="contact")
        async with inspection_session(app) as session:
            row = await session.scalar(select(AdminPortalLinkToken).where(AdminPortalLinkToken.id == token["id"]))
        assert row is not None
        assert row.token_digest == hashlib.sha256(token["token"].encode()).hexdigest()
        stored = [getattr(row, column.key) for column in AdminPortalLinkToken.__table__.columns]
        assert not any(token["token"] in str(value) for value in stored)

    @pytest.mark.parametrize(
        ("body", "code", "param"),
        [
            pytest.param(
                {"organization_id": "org_short"}, "form_param_value_invalid", "organization_id", id="org-pattern"
            ),
            pytest.param({"it_contact_id": ""}, "form_param_min_length_exceeded", "it_contact_id", id="contact-empty"),
            pytest.param(
                {"it_contact_id": "c" * 256}, "form_param_max_length_exceeded", "it_contact_id", id="contact-long"
            ),
            pytest.param({"scopes": [""]}, "form_param_min_length_exceeded", "scopes.0", id="scope-empty"),
            pytest.param({"scopes": "read"}, "form_param_type_invalid", "scopes", id="scopes-type"),
            pytest.param(
                {"scopes": [f"s{i}" for i in range(101)]}, "form_param_array_size_exceeded", "scopes", id="scopes-101"
            ),
            pytest.param(
                {"seconds_until_expiration": 0}, "form_param_value_invalid", "seconds_until_expiration", id="zero"
            ),
            pytest.param(
                {"seconds_until_expiration": 86_401},
                "form_param_value_invalid",
                "seconds_until_expiration",
                id="over-a-day",
            ),
            pytest.param(
                {"seconds_until_expiration": "60"}, "form_param_type_invalid", "seconds_until_expiration", id="type"
            ),
            pytest.param({"name": "portal"}, "form_param_unknown", "name", id="unknown-field"),
        ],
    )
    async def test_refuses_invalid_bodies_with_400(
        self, client: httpx.AsyncClient, body: dict[str, Any], code: str, param: str
    ) -> None:
        response = await client.post("/v1/admin_portal_link_tokens", json=body)
        assert clerk_error(response) == (400, code, param)

    async def test_an_unknown_organization_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/admin_portal_link_tokens", json={"organization_id": "org_" + "0" * 27})
        assert clerk_error(response) == (400, "form_resource_not_found", "organization_id")

    async def test_an_organization_of_another_instance_is_refused(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        organization = await make_organization(client)
        response = await other_client.post("/v1/admin_portal_link_tokens", json={"organization_id": organization["id"]})
        assert clerk_error(response) == (400, "form_resource_not_found", "organization_id")

    async def test_requires_the_secret_key(self, app: FastAPI) -> None:
        async with api_client(app, None) as anonymous:
            assert (await anonymous.post("/v1/admin_portal_link_tokens", json={})).status_code == 401


class TestRevokeAdminPortalLinkToken:
    async def test_revokes_with_a_reason_and_never_shows_the_token_again(self, client: httpx.AsyncClient) -> None:
        token = await create(client, scopes=["admin_portal:read"])
        response = await revoke(client, token["id"], revocation_reason="contact left")
        assert response.status_code == 200, response.text
        revoked = response.json()
        assert set(revoked) == TOKEN_KEYS
        assert revoked["revoked"] is True and revoked["revocation_reason"] == "contact left"
        assert revoked["updated_at"] >= token["updated_at"] and revoked["created_at"] == token["created_at"]
        unchanged = TOKEN_KEYS - {"revoked", "revocation_reason", "updated_at"}
        assert {key: revoked[key] for key in unchanged} == {key: token[key] for key in unchanged}

    async def test_the_reason_is_optional(self, client: httpx.AsyncClient) -> None:
        token = await create(client)
        for body in ({}, {"revocation_reason": None}):
            other = await create(client)
            response = await revoke(client, other["id"], **body)
            assert response.status_code == 200 and response.json()["revocation_reason"] is None
        absent_body = await client.post(f"/v1/admin_portal_link_tokens/{token['id']}/revoke")
        assert absent_body.status_code == 200 and absent_body.json()["revoked"] is True

    async def test_revoking_a_revoked_token_changes_nothing(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        token = await create(client)
        first = (await revoke(client, token["id"], revocation_reason="first")).json()
        clock.freeze(frozen_clock + SECOND_MS)
        again = await revoke(client, token["id"], revocation_reason="second")
        assert again.status_code == 200 and again.json() == first

    async def test_concurrent_revokes_agree_on_one_reason(self, client: httpx.AsyncClient) -> None:
        token = await create(client)
        first, second = await asyncio.gather(
            revoke(client, token["id"], revocation_reason="a"), revoke(client, token["id"], revocation_reason="b")
        )
        assert first.status_code == second.status_code == 200
        assert first.json()["revocation_reason"] == second.json()["revocation_reason"]

    async def test_reports_expiry(self, client: httpx.AsyncClient, frozen_clock: int) -> None:
        lasting, expiring = (
            await create(client, seconds_until_expiration=61),
            await create(client, seconds_until_expiration=60),
        )
        clock.freeze(frozen_clock + 60 * SECOND_MS)
        assert (await revoke(client, lasting["id"])).json()["expired"] is False
        expired = (await revoke(client, expiring["id"])).json()
        assert expired["expired"] is True and expired["revoked"] is True

    async def test_an_unknown_token_is_not_found(self, client: httpx.AsyncClient) -> None:
        response = await revoke(client, "aplt_" + "0" * 32)
        assert response.status_code == 404 and error_of(response)["code"] == "resource_not_found"

    @pytest.mark.parametrize("token_id", ["aplt_missing", "aplt_" + "g" * 32, "ak_" + "0" * 32, "aplt_" + "0" * 33])
    async def test_an_id_off_the_pattern_is_a_bad_request(self, client: httpx.AsyncClient, token_id: str) -> None:
        response = await revoke(client, token_id)
        assert clerk_error(response) == (400, "bad_request", "adminPortalLinkTokenID")

    async def test_refuses_unknown_fields(self, client: httpx.AsyncClient) -> None:
        token = await create(client)
        response = await revoke(client, token["id"], reason="typo")
        assert clerk_error(response) == (400, "form_param_unknown", "reason")

    async def test_a_token_of_another_instance_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        token = await create(client)
        assert (await revoke(other_client, token["id"])).status_code == 404
        assert (await revoke(client, token["id"])).json()["revoked"] is True
