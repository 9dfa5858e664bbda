"""The instance's restrictions (allow-list, block-list, email subaddresses, disposable domains) as
user creation and email/phone additions meet them, and as nothing when they are off."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from locum.instances.service import InstanceKeys
from tests.builders import clerk_error, make_user, set_restrictions

WALLET = "0x" + "c" * 40


async def listed(client: httpx.AsyncClient, list_name: str, *identifiers: str) -> None:
    for identifier in identifiers:
        response = await client.post(f"/v1/{list_name}_identifiers", json={"identifier": identifier})
        assert response.status_code == 200, response.text


async def create_user(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/v1/users", json=body)


def refused(response: httpx.Response) -> bool:
    return clerk_error(response)[:2] == (403, "not_allowed_access")


@pytest.fixture
async def allowlist_on(app: FastAPI, instance: InstanceKeys) -> None:
    await set_restrictions(app, instance.instance_id, allowlist=True)


@pytest.fixture
async def blocklist_on(app: FastAPI, instance: InstanceKeys) -> None:
    await set_restrictions(app, instance.instance_id, blocklist=True)


@pytest.mark.usefixtures("allowlist_on")
class TestAllowlist:
    async def test_an_empty_allowlist_refuses_everyone(self, client: httpx.AsyncClient) -> None:
        response = await create_user(client, email_address=["nobody@example.com"])
        assert refused(response)
        assert response.json()["errors"][0]["long_message"] == (
            "nobody@example.com is not allowed to access this application."
        )

    async def test_an_exactly_listed_user_is_accepted_in_any_case(self, client: httpx.AsyncClient) -> None:
        await listed(client, "allowlist", "Invited@Example.com")
        assert (await create_user(client, email_address=["invited@EXAMPLE.com"])).status_code == 200
        assert refused(await create_user(client, email_address=["uninvited@example.com"]))

    async def test_a_domain_wildcard_accepts_its_domain_only(self, client: httpx.AsyncClient) -> None:
        await listed(client, "allowlist", "*@corp.example")
        assert (await create_user(client, email_address=["anyone@corp.example"])).status_code == 200
        assert refused(await create_user(client, email_address=["anyone@eu.corp.example"]))
        assert refused(await create_user(client, email_address=["anyone@corp.example.org"]))

    async def test_a_subdomain_wildcard_accepts_subdomains_only(self, client: httpx.AsyncClient) -> None:
        await listed(client, "allowlist", "*@*.corp.example")
        assert (await create_user(client, email_address=["a@eu.corp.example"])).status_code == 200
        assert (await create_user(client, email_address=["b@x.eu.corp.example"])).status_code == 200
        assert refused(await create_user(client, email_address=["c@corp.example"]))

    async def test_every_identifier_must_be_listed(self, client: httpx.AsyncClient) -> None:
        await listed(client, "allowlist", "*@corp.example", "+14155550100", WALLET)
        both = await create_user(client, email_address=["a@corp.example"], phone_number=["+14155550100"])
        assert both.status_code == 200
        assert (await create_user(client, web3_wallet=[WALLET.upper().replace("0X", "0x")])).status_code == 200
        unlisted_phone = await create_user(client, email_address=["b@corp.example"], phone_number=["+14155550101"])
        assert refused(unlisted_phone)
        assert "+14155550101 is not allowed" in unlisted_phone.json()["errors"][0]["long_message"]

    async def test_email_and_phone_additions_are_checked(self, client: httpx.AsyncClient) -> None:
        await listed(client, "allowlist", "*@corp.example")
        user = (await create_user(client, email_address=["owner@corp.example"])).json()
        listed_too = {"user_id": user["id"], "email_address": "o@corp.example"}
        assert (await client.post("/v1/email_addresses", json=listed_too)).status_code == 200
        elsewhere = {"user_id": user["id"], "email_address": "owner@elsewhere.example"}
        assert refused(await client.post("/v1/email_addresses", json=elsewhere))
        phone = {"user_id": user["id"], "phone_number": "+14155550102"}
        assert refused(await client.post("/v1/phone_numbers", json=phone))
        replaced = await client.put(f"/v1/users/{user['id']}/email_address", json={"email_address": "x@other.example"})
        assert refused(replaced)

    async def test_another_instances_allowlist_lets_no_one_in(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await listed(other_client, "allowlist", "guest@example.com")
        assert refused(await create_user(client, email_address=["guest@example.com"]))


@pytest.mark.usefixtures("allowlist_on")
class TestAllowlistAndInvitations:
    async def test_an_allowlist_only_instance_invites_listed_addresses_only(self, client: httpx.AsyncClient) -> None:
        await listed(client, "allowlist", "*@corp.example")
        assert refused(await client.post("/v1/invitations", json={"email_address": "outsider@example.com"}))
        invited = await client.post("/v1/invitations", json={"email_address": "insider@corp.example"})
        assert invited.status_code == 200, invited.text

    async def test_allowlisting_an_address_with_notify_invites_it(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/allowlist_identifiers", json={"identifier": "guest@example.com", "notify": True}
        )
        assert response.status_code == 200, response.text
        [invitation] = (await client.get("/v1/invitations")).json()
        assert response.json()["invitation_id"] == invitation["id"]
        assert (invitation["email_address"], invitation["status"]) == ("guest@example.com", "pending")

    async def test_allowlisting_without_notify_invites_no_one(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/allowlist_identifiers", json={"identifier": "quiet@example.com"})
        assert response.status_code == 200 and "invitation_id" not in response.json()
        assert (await client.get("/v1/invitations")).json() == []


@pytest.mark.usefixtures("blocklist_on")
class TestBlocklistAndInvitations:
    async def test_a_blocklisted_address_is_not_invited(self, client: httpx.AsyncClient) -> None:
        await listed(client, "blocklist", "*@spam.example")
        assert refused(await client.post("/v1/invitations", json={"email_address": "bot@spam.example"}))


@pytest.mark.usefixtures("blocklist_on")
class TestBlocklist:
    async def test_a_blocked_email_and_its_subaddresses_are_refused(self, client: httpx.AsyncClient) -> None:
        await listed(client, "blocklist", "spammer@example.com")
        assert refused(await create_user(client, email_address=["Spammer@example.com"]))
        assert refused(await create_user(client, email_address=["spammer+again@example.com"]))
        assert (await create_user(client, email_address=["s.pammer@example.com"])).status_code == 200

    async def test_a_blocked_domain_is_refused(self, client: httpx.AsyncClient) -> None:
        await listed(client, "blocklist", "*@spam.example", "*@*.junk.example")
        assert refused(await create_user(client, email_address=["a@spam.example"]))
        assert refused(await create_user(client, email_address=["a@deep.sub.junk.example"]))
        assert (await create_user(client, email_address=["a@junk.example"])).status_code == 200

    async def test_blocked_phones_and_wallets_are_refused(self, client: httpx.AsyncClient) -> None:
        await listed(client, "blocklist", "+14155550103", WALLET)
        assert refused(await create_user(client, phone_number=["+14155550103"]))
        assert refused(await create_user(client, web3_wallet=[WALLET]))
        user = await make_user(client)
        phone = {"user_id": user["id"], "phone_number": "+14155550103"}
        assert refused(await client.post("/v1/phone_numbers", json=phone))

    async def test_the_allowlist_takes_precedence(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        await set_restrictions(app, instance.instance_id, allowlist=True)
        await listed(client, "allowlist", "both@example.com")
        await listed(client, "blocklist", "both@example.com")
        assert (await create_user(client, email_address=["both@example.com"])).status_code == 200

    async def test_another_instances_blocklist_blocks_nothing(
        self, client: httpx.AsyncClient, other_client: httpx.AsyncClient
    ) -> None:
        await listed(other_client, "blocklist", "welcome@example.com")
        assert (await create_user(client, email_address=["welcome@example.com"])).status_code == 200


class TestBlockEmailSubaddresses:
    @pytest.fixture(autouse=True)
    async def subaddresses_blocked(self, app: FastAPI, instance: InstanceKeys) -> None:
        await set_restrictions(app, instance.instance_id, block_email_subaddresses=True)

    async def test_the_first_address_of_a_base_is_accepted_and_later_ones_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        assert (await create_user(client, email_address=["john+first@example.com"])).status_code == 200
        for later in ("john+second@example.com", "john=x@example.com", "john#y@example.com", "john@example.com"):
            response = await create_user(client, email_address=[later])
            assert refused(response), later
            assert response.json()["errors"][0]["message"] == "Email subaddress not allowed."
        assert (await create_user(client, email_address=["john@other.example"])).status_code == 200

    async def test_gmail_ignores_dots_and_yahoo_splits_on_hyphens(self, client: httpx.AsyncClient) -> None:
        await make_user(client, email_address=["jsmith@gmail.com"], phone_number=["+14155550104"])
        assert refused(await create_user(client, email_address=["j.smith@gmail.com"]))
        await make_user(client, email_address=["jane@yahoo.co.uk"])
        assert refused(await create_user(client, email_address=["jane-news@yahoo.co.uk"]))
        await make_user(client, email_address=["jane@yahoo.dev"])
        assert (await create_user(client, email_address=["jane-news@yahoo.dev"])).status_code == 200

    async def test_an_addition_to_an_existing_user_is_checked(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, email_address=["mary@example.com"])
        body = {"user_id": user["id"], "email_address": "mary+work@example.com"}
        assert refused(await client.post("/v1/email_addresses", json=body))


class TestBlockDisposableEmailDomains:
    async def test_disposable_domains_are_refused(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient
    ) -> None:
        await set_restrictions(app, instance.instance_id, block_disposable_email_domains=True)
        for address in ("throwaway@mailinator.com", "x@sub.yopmail.com"):
            response = await create_user(client, email_address=[address])
            assert clerk_error(response) == (403, "form_email_address_blocked", "email_address"), address
        assert (await create_user(client, email_address=["real@example.com"])).status_code == 200


class TestRestrictionsOff:
    async def test_lists_and_addresses_have_no_effect(self, client: httpx.AsyncClient) -> None:
        await listed(client, "blocklist", "listed@example.com", "*@mailinator.com")
        await listed(client, "allowlist", "someone-else@example.com")
        for address in ("listed@example.com", "a@mailinator.com", "listed+x@example.com"):
            assert (await create_user(client, email_address=[address])).status_code == 200, address
