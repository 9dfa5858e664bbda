from typing import Any

import httpx
import pytest

from tests.builders import event_types, make_user
from tests.conftest import RecordedEvents

WALLET_A = "0x" + "a" * 40
WALLET_B = "0x" + "b" * 40


async def attach(client: httpx.AsyncClient, user_id: str, collection: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to locum's own endpoint that adds to a user what Clerk's Frontend API would."""
    response = await client.post(f"/locum/users/{user_id}/{collection}", json=body)
    assert response.status_code == 200, response.text
    attached: dict[str, Any] = response.json()
    return attached


async def google_account(client: httpx.AsyncClient, user_id: str, **overrides: Any) -> dict[str, Any]:
    body = {"provider": "oauth_google", "provider_user_id": f"g-{user_id}", "access_token": "ya29.token"}
    user = await attach(client, user_id, "external_accounts", {**body, **overrides})
    account: dict[str, Any] = user["external_accounts"][-1]
    return account


async def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["errors"][0]["code"] == "resource_not_found"


class TestUserPasskeyDelete:
    async def test_deletes_passkey(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        passkeys = (await attach(client, user["id"], "passkeys", {"name": "Laptop"}))["passkeys"]
        await attach(client, user["id"], "passkeys", {"name": "Phone"})
        response = await client.delete(f"/v1/users/{user['id']}/passkeys/{passkeys[0]['id']}")
        assert response.status_code == 200
        assert response.json() == {"object": "passkey", "id": passkeys[0]["id"], "deleted": True}
        remaining = (await client.get(f"/v1/users/{user['id']}")).json()
        assert [p["name"] for p in remaining["passkeys"]] == ["Phone"]
        assert (await recorded_events())[-1] == ("user.updated", remaining)

    @pytest.mark.parametrize(
        "target",
        [
            pytest.param("unknown-user", id="unknown-user"),
            pytest.param("unknown-passkey", id="unknown-passkey"),
            pytest.param("another-users-passkey", id="another-users-passkey"),
        ],
    )
    async def test_not_found(self, client: httpx.AsyncClient, recorded_events: RecordedEvents, target: str) -> None:
        owner, other = await make_user(client), await make_user(client)
        passkey_id = (await attach(client, owner["id"], "passkeys", {"name": "Key"}))["passkeys"][0]["id"]
        before = await event_types(recorded_events)
        user_id, identification_id = {
            "unknown-user": ("user_unknown", passkey_id),
            "unknown-passkey": (owner["id"], "idn_unknown"),
            "another-users-passkey": (other["id"], passkey_id),
        }[target]
        await assert_not_found(await client.delete(f"/v1/users/{user_id}/passkeys/{identification_id}"))
        assert await event_types(recorded_events) == before
        assert len((await client.get(f"/v1/users/{owner['id']}")).json()["passkeys"]) == 1

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        passkey_id = (await attach(client, user["id"], "passkeys", {"name": "Key"}))["passkeys"][0]["id"]
        await assert_not_found(await other_client.delete(f"/v1/users/{user['id']}/passkeys/{passkey_id}"))


class TestUserWeb3WalletDelete:
    async def test_deleting_primary_promotes_the_next_wallet(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, web3_wallet=[WALLET_A, WALLET_B])
        first, second = user["web3_wallets"]
        assert user["primary_web3_wallet_id"] == first["id"]
        response = await client.delete(f"/v1/users/{user['id']}/web3_wallets/{first['id']}")
        assert response.status_code == 200
        assert response.json() == {"object": "web3_wallet", "id": first["id"], "deleted": True}
        updated = (await client.get(f"/v1/users/{user['id']}")).json()
        assert [w["id"] for w in updated["web3_wallets"]] == [second["id"]]
        assert updated["primary_web3_wallet_id"] == second["id"]
        assert (await recorded_events())[-1] == ("user.updated", updated)

    async def test_deleting_the_last_wallet_clears_primary(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, web3_wallet=[WALLET_A])
        wallet_id = user["web3_wallets"][0]["id"]
        assert (await client.delete(f"/v1/users/{user['id']}/web3_wallets/{wallet_id}")).status_code == 200
        updated = (await client.get(f"/v1/users/{user['id']}")).json()
        assert updated["web3_wallets"] == [] and updated["primary_web3_wallet_id"] is None

    async def test_deleting_another_wallet_keeps_primary(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client, web3_wallet=[WALLET_A, WALLET_B])
        await client.delete(f"/v1/users/{user['id']}/web3_wallets/{user['web3_wallets'][1]['id']}")
        updated = (await client.get(f"/v1/users/{user['id']}")).json()
        assert updated["primary_web3_wallet_id"] == user["web3_wallets"][0]["id"]

    async def test_not_found(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        owner, other = await make_user(client, web3_wallet=[WALLET_A]), await make_user(client)
        wallet_id = owner["web3_wallets"][0]["id"]
        before = await event_types(recorded_events)
        for user_id, identification_id in [
            ("user_unknown", wallet_id),
            (owner["id"], "idn_unknown"),
            (other["id"], wallet_id),
        ]:
            await assert_not_found(await client.delete(f"/v1/users/{user_id}/web3_wallets/{identification_id}"))
        assert await event_types(recorded_events) == before

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client, web3_wallet=[WALLET_A])
        wallet_id = user["web3_wallets"][0]["id"]
        await assert_not_found(await other_client.delete(f"/v1/users/{user['id']}/web3_wallets/{wallet_id}"))


class TestDeleteExternalAccount:
    async def test_unlinks_account_and_keeps_its_email(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, email_address=[])
        account = await google_account(client, user["id"], email_address="ada@gmail.com")
        response = await client.delete(f"/v1/users/{user['id']}/external_accounts/{account['id']}")
        assert response.status_code == 200
        assert response.json() == {"object": "external_account", "id": account["id"], "deleted": True}
        updated = (await client.get(f"/v1/users/{user['id']}")).json()
        assert updated["external_accounts"] == []
        [email] = updated["email_addresses"]
        assert email["email_address"] == "ada@gmail.com" and email["linked_to"] == []
        assert (await recorded_events())[-1] == ("user.updated", updated)

    async def test_not_found(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        owner, other = await make_user(client), await make_user(client)
        account_id = (await google_account(client, owner["id"]))["id"]
        before = await event_types(recorded_events)
        for user_id, external_account_id in [
            ("user_unknown", account_id),
            (owner["id"], "eac_unknown"),
            (other["id"], account_id),
        ]:
            await assert_not_found(await client.delete(f"/v1/users/{user_id}/external_accounts/{external_account_id}"))
        assert await event_types(recorded_events) == before

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        account_id = (await google_account(client, user["id"]))["id"]
        await assert_not_found(await other_client.delete(f"/v1/users/{user['id']}/external_accounts/{account_id}"))


async def trusted_device(client: httpx.AsyncClient, user_id: str, name: str = "iPhone") -> dict[str, Any]:
    return await attach(
        client,
        user_id,
        "trusted_devices",
        {"platform": "ios", "app_identifier": "com.example.app", "name": name},
    )


class TestListUserTrustedDevices:
    async def test_lists_active_devices(self, client: httpx.AsyncClient) -> None:
        user, other = await make_user(client), await make_user(client)
        first = await trusted_device(client, user["id"], "iPhone")
        second = await trusted_device(client, user["id"], "iPad")
        await trusted_device(client, other["id"])
        response = await client.get(f"/v1/users/{user['id']}/trusted_devices")
        assert response.status_code == 200
        assert response.json() == {"data": [first, second], "total_count": 2}
        await client.delete(f"/v1/users/{user['id']}/trusted_devices/{first['id']}")
        listed = (await client.get(f"/v1/users/{user['id']}/trusted_devices")).json()
        assert listed == {"data": [second], "total_count": 1}

    async def test_none(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.get(f"/v1/users/{user['id']}/trusted_devices")
        assert response.json() == {"data": [], "total_count": 0}

    async def test_unknown_user(self, client: httpx.AsyncClient) -> None:
        await assert_not_found(await client.get("/v1/users/user_unknown/trusted_devices"))

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        await trusted_device(client, user["id"])
        await assert_not_found(await other_client.get(f"/v1/users/{user['id']}/trusted_devices"))


class TestRevokeUserTrustedDevice:
    async def test_revokes(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        device = await trusted_device(client, user["id"])
        assert device["status"] == "active" and device["revoked_at"] is None
        response = await client.delete(f"/v1/users/{user['id']}/trusted_devices/{device['id']}")
        assert response.status_code == 200
        revoked = response.json()
        assert revoked["status"] == "revoked"
        assert revoked["revoked_at"] is not None and revoked["updated_at"] == revoked["revoked_at"]
        assert {k: v for k, v in revoked.items() if k not in ("status", "revoked_at", "updated_at")} == {
            k: v for k, v in device.items() if k not in ("status", "revoked_at", "updated_at")
        }
        # Trusted devices are not part of the user's JSON: nothing for a user.updated to carry.
        assert await event_types(recorded_events) == ["user.created"]

    async def test_revoked_device_is_gone(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        device = await trusted_device(client, user["id"])
        await client.delete(f"/v1/users/{user['id']}/trusted_devices/{device['id']}")
        await assert_not_found(await client.delete(f"/v1/users/{user['id']}/trusted_devices/{device['id']}"))

    async def test_not_found(self, client: httpx.AsyncClient) -> None:
        owner, other = await make_user(client), await make_user(client)
        device_id = (await trusted_device(client, owner["id"]))["id"]
        for user_id, trusted_device_id in [
            ("user_unknown", device_id),
            (owner["id"], "td_unknown"),
            (other["id"], device_id),
        ]:
            await assert_not_found(await client.delete(f"/v1/users/{user_id}/trusted_devices/{trusted_device_id}"))
        assert (await client.get(f"/v1/users/{owner['id']}/trusted_devices")).json()["total_count"] == 1

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        device_id = (await trusted_device(client, user["id"]))["id"]
        await assert_not_found(await other_client.delete(f"/v1/users/{user['id']}/trusted_devices/{device_id}"))


class TestGetOAuthAccessToken:
    @pytest.mark.parametrize(
        "provider", [pytest.param("oauth_google", id="oauth_google"), pytest.param("google", id="google")]
    )
    async def test_returns_tokens_of_the_provider(self, client: httpx.AsyncClient, provider: str) -> None:
        user = await make_user(client)
        account = await google_account(
            client,
            user["id"],
            access_token="ya29.first",
            access_token_expires_at=1_900_000_000,
            approved_scopes="openid email profile",
            id_token="eyJ.id.token",
            public_metadata={"team": "a"},
            label="work",
        )
        await google_account(client, user["id"], provider_user_id="g-no-token", access_token=None)
        await attach(
            client,
            user["id"],
            "external_accounts",
            {"provider": "oauth_github", "provider_user_id": "gh-1", "access_token": "gho_x"},
        )
        response = await client.get(f"/v1/users/{user['id']}/oauth_access_tokens/{provider}")
        assert response.status_code == 200
        assert response.json() == [
            {
                "object": "oauth_access_token",
                "external_account_id": account["id"],
                "provider_user_id": account["provider_user_id"],
                "token": "ya29.first",
                "expires_at": 1_900_000_000,
                "provider": "oauth_google",
                "public_metadata": {"team": "a"},
                "label": "work",
                "scopes": ["openid", "email", "profile"],
                "id_token": "eyJ.id.token",
            }
        ]

    async def test_limit_offset_and_paginated(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        ids = [(await google_account(client, user["id"], provider_user_id=f"g-{n}"))["id"] for n in range(3)]
        url = f"/v1/users/{user['id']}/oauth_access_tokens/oauth_google"
        page = (await client.get(url, params={"limit": 1, "offset": 1})).json()
        assert [token["external_account_id"] for token in page] == ids[1:2]
        # The spec shows only the bare array; Clerk's SDKs send paginated=true to get {data, total_count}.
        client.event_hooks = {"request": [], "response": []}
        paginated = (await client.get(url, params={"paginated": "true", "limit": 2})).json()
        assert [token["external_account_id"] for token in paginated["data"]] == ids[:2]
        assert paginated["total_count"] == 3

    async def test_no_tokens_is_an_empty_list(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await client.get(f"/v1/users/{user['id']}/oauth_access_tokens/oauth_google")
        assert response.status_code == 200 and response.json() == []

    @pytest.mark.parametrize(
        ("provider", "params", "code"),
        [
            pytest.param("Google!", {}, "form_param_value_invalid", id="bad-provider"),
            pytest.param("oauth_google", {"limit": 0}, "form_param_value_invalid", id="limit-zero"),
            pytest.param("oauth_google", {"limit": 501}, "form_param_value_invalid", id="limit-over-500"),
            pytest.param("oauth_google", {"paginated": "maybe"}, "form_param_type_invalid", id="bad-paginated"),
        ],
    )
    async def test_bad_parameters(
        self, client: httpx.AsyncClient, provider: str, params: dict[str, Any], code: str
    ) -> None:
        user = await make_user(client)
        response = await client.get(f"/v1/users/{user['id']}/oauth_access_tokens/{provider}", params=params)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["code"] == code

    async def test_unknown_user(self, client: httpx.AsyncClient) -> None:
        await assert_not_found(await client.get("/v1/users/user_unknown/oauth_access_tokens/oauth_google"))

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        await google_account(client, user["id"])
        await assert_not_found(await other_client.get(f"/v1/users/{user['id']}/oauth_access_tokens/oauth_google"))
