"""The Allow-list / Block-list operations: identifiers of every kind, normalized, unique per list and
instance, listed in each operation's shape."""

import asyncio

import httpx
import pytest

from tests.builders import clerk_error, error_code

WALLET = "0x" + "AB" * 20
ALLOWLIST = "/v1/allowlist_identifiers"
BLOCKLIST = "/v1/blocklist_identifiers"


async def add(client: httpx.AsyncClient, path: str, identifier: str) -> dict[str, str]:
    response = await client.post(path, json={"identifier": identifier})
    assert response.status_code == 200, response.text
    created: dict[str, str] = response.json()
    return created


class TestCreateAllowlistIdentifier:
    @pytest.mark.parametrize(
        ("given", "stored", "identifier_type"),
        [
            pytest.param("Jane.Doe@Example.COM", "jane.doe@example.com", "email_address", id="email-lowercased"),
            pytest.param("*@Example.org", "*@example.org", "email_address", id="domain-wildcard"),
            pytest.param("*@*.example.net", "*@*.example.net", "email_address", id="subdomain-wildcard"),
            pytest.param("+1 415 555 0100", "+14155550100", "phone_number", id="phone-e164"),
            pytest.param(WALLET, WALLET.lower(), "web3_wallet", id="web3-wallet"),
        ],
    )
    async def test_stores_the_normalized_identifier_and_its_type(
        self, client: httpx.AsyncClient, given: str, stored: str, identifier_type: str
    ) -> None:
        created = await add(client, ALLOWLIST, given)
        assert created["object"] == "allowlist_identifier" and created["id"].startswith("alid_")
        assert created["identifier"] == stored and created["identifier_type"] == identifier_type
        assert "invitation_id" not in created

    async def test_notify_is_accepted(self, client: httpx.AsyncClient) -> None:
        response = await client.post(ALLOWLIST, json={"identifier": "notified@example.com", "notify": True})
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize("identifier", ["", "not an identifier", "*@", "*@no_domain", "4155550100", "0x12"])
    async def test_refuses_what_is_no_identifier(self, client: httpx.AsyncClient, identifier: str) -> None:
        response = await client.post(ALLOWLIST, json={"identifier": identifier})
        assert clerk_error(response) == (422, "form_param_format_invalid", "identifier")

    async def test_requires_the_identifier(self, client: httpx.AsyncClient) -> None:
        response = await client.post(ALLOWLIST, json={"notify": True})
        assert clerk_error(response) == (422, "form_param_missing", "identifier")

    async def test_a_duplicate_in_any_case_is_duplicate_record(self, client: httpx.AsyncClient) -> None:
        await add(client, ALLOWLIST, "twice@example.com")
        response = await client.post(ALLOWLIST, json={"identifier": "TWICE@example.com"})
        assert response.status_code == 400 and error_code(response) == "duplicate_record"

    async def test_concurrent_duplicates_create_one(self, client: httpx.AsyncClient) -> None:
        responses = await asyncio.gather(
            *(client.post(ALLOWLIST, json={"identifier": "race@example.com"}) for _ in range(5))
        )
        assert sorted(r.status_code for r in responses) == [200, 400, 400, 400, 400]
        assert [error_code(r) for r in responses if r.status_code == 400] == ["duplicate_record"] * 4
        listed = (await client.get(ALLOWLIST)).json()
        assert [item["identifier"] for item in listed] == ["race@example.com"]

    async def test_the_same_identifier_in_another_instance_is_no_duplicate(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await add(client, ALLOWLIST, "shared@example.com")
        await add(other_client, ALLOWLIST, "shared@example.com")


class TestListAllowlistIdentifiers:
    async def test_a_bare_array_newest_first(self, client: httpx.AsyncClient) -> None:
        first = await add(client, ALLOWLIST, "first@example.com")
        second = await add(client, ALLOWLIST, "second@example.com")
        response = await client.get(ALLOWLIST)
        assert response.status_code == 200
        assert [item["id"] for item in response.json()] == [second["id"], first["id"]]

    async def test_paginated_pages_with_a_total(self, client: httpx.AsyncClient) -> None:
        for name in ("a", "b", "c"):
            await add(client, ALLOWLIST, f"{name}@example.com")
        response = await client.get(ALLOWLIST, params={"paginated": "true", "limit": 2, "offset": 1})
        body = response.json()
        assert body["total_count"] == 3
        assert [item["identifier"] for item in body["data"]] == ["b@example.com", "a@example.com"]

    @pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}], ids=str)
    async def test_refuses_a_bad_page(self, client: httpx.AsyncClient, params: dict[str, int]) -> None:
        assert (await client.get(ALLOWLIST, params=params)).status_code == 422

    async def test_another_instance_sees_nothing(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await add(client, ALLOWLIST, "mine@example.com")
        assert (await other_client.get(ALLOWLIST)).json() == []


class TestDeleteAllowlistIdentifier:
    async def test_deletes(self, client: httpx.AsyncClient) -> None:
        created = await add(client, ALLOWLIST, "gone@example.com")
        response = await client.delete(f"{ALLOWLIST}/{created['id']}")
        assert response.json() == {"object": "allowlist_identifier", "id": created["id"], "deleted": True}
        assert (await client.get(ALLOWLIST)).json() == []
        again = await client.delete(f"{ALLOWLIST}/{created['id']}")
        assert again.status_code == 404 and error_code(again) == "resource_not_found"

    async def test_another_instance_cannot_delete(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        created = await add(client, ALLOWLIST, "kept@example.com")
        response = await other_client.delete(f"{ALLOWLIST}/{created['id']}")
        assert response.status_code == 404
        assert [item["id"] for item in (await client.get(ALLOWLIST)).json()] == [created["id"]]


class TestCreateBlocklistIdentifier:
    async def test_stores_the_normalized_identifier(self, client: httpx.AsyncClient) -> None:
        created = await add(client, BLOCKLIST, " Spammer@Example.com ")
        assert created["object"] == "blocklist_identifier" and created["id"].startswith("blid_")
        assert created["identifier"] == "spammer@example.com" and created["identifier_type"] == "email_address"

    async def test_refuses_what_is_no_identifier(self, client: httpx.AsyncClient) -> None:
        response = await client.post(BLOCKLIST, json={"identifier": "nobody"})
        assert clerk_error(response) == (422, "form_param_format_invalid", "identifier")

    async def test_refuses_notify(self, client: httpx.AsyncClient) -> None:
        response = await client.post(BLOCKLIST, json={"identifier": "x@example.com", "notify": True})
        assert clerk_error(response) == (422, "form_param_unknown", "notify")

    async def test_a_duplicate_is_duplicate_record(self, client: httpx.AsyncClient) -> None:
        await add(client, BLOCKLIST, "+14155550100")
        response = await client.post(BLOCKLIST, json={"identifier": "+1 (415) 555-0100"})
        assert response.status_code == 400 and error_code(response) == "duplicate_record"

    async def test_the_same_identifier_may_be_on_both_lists(self, client: httpx.AsyncClient) -> None:
        await add(client, ALLOWLIST, "*@example.com")
        await add(client, BLOCKLIST, "*@example.com")


class TestListBlocklistIdentifiers:
    async def test_data_and_total_count_newest_first(self, client: httpx.AsyncClient) -> None:
        first = await add(client, BLOCKLIST, "*@spam.example")
        second = await add(client, BLOCKLIST, WALLET)
        body = (await client.get(BLOCKLIST)).json()
        assert body["total_count"] == 2
        assert [item["id"] for item in body["data"]] == [second["id"], first["id"]]

    async def test_another_instance_sees_nothing(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await add(client, BLOCKLIST, "blocked@example.com")
        assert (await other_client.get(BLOCKLIST)).json() == {"data": [], "total_count": 0}


class TestDeleteBlocklistIdentifier:
    async def test_deletes(self, client: httpx.AsyncClient) -> None:
        created = await add(client, BLOCKLIST, "gone@example.com")
        response = await client.delete(f"{BLOCKLIST}/{created['id']}")
        assert response.json() == {"object": "blocklist_identifier", "id": created["id"], "deleted": True}
        assert (await client.get(BLOCKLIST)).json() == {"data": [], "total_count": 0}

    async def test_an_unknown_or_foreign_id_is_not_found(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        created = await add(client, BLOCKLIST, "kept@example.com")
        response = await other_client.delete(f"{BLOCKLIST}/{created['id']}")
        assert response.status_code == 404 and error_code(response) == "resource_not_found"
        allowlisted = await add(client, ALLOWLIST, "other-list@example.com")
        assert (await client.delete(f"{BLOCKLIST}/{allowlisted['id']}")).status_code == 404
        assert (await client.get(BLOCKLIST)).json()["total_count"] == 1
