"""locum's own endpoints under /locum: they set up what Clerk's Frontend API would attach to a user."""

from typing import Any

import httpx
import pytest

from tests.builders import error_code, make_user, unique_email
from tests.conftest import RecordedEvents

WALLET = "0x" + "c" * 40


async def post(client: httpx.AsyncClient, user_id: str, collection: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/locum/users/{user_id}/{collection}", json=body)


async def current_user(client: httpx.AsyncClient, user_id: str) -> dict[str, Any]:
    # GET /v1 is contract-checked, so comparing with it proves the /locum answer is Clerk-shaped too.
    user: dict[str, Any] = (await client.get(f"/v1/users/{user_id}")).json()
    return user


class TestAddExternalAccount:
    async def test_creates_account_and_verified_linked_email(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client, email_address=[])
        response = await post(
            client,
            user["id"],
            "external_accounts",
            {
                "provider": "google",
                "provider_user_id": "1234567890",
                "email_address": "Ada@Gmail.com",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "avatar_url": "https://example.com/ada.png",
                "username": "ada",
                "approved_scopes": "openid email",
                "public_metadata": {"plan": "pro"},
                "label": "personal",
            },
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated == await current_user(client, user["id"])
        [account] = updated["external_accounts"]
        assert account["id"].startswith("eac_") and account["identification_id"].startswith("idn_")
        assert account["provider"] == "oauth_google" and account["provider_user_id"] == "1234567890"
        assert account["image_url"] == "https://example.com/ada.png"
        assert account["public_metadata"] == {"plan": "pro"} and account["label"] == "personal"
        [email] = updated["email_addresses"]
        assert account["email_address"] == email["email_address"] == "Ada@gmail.com"
        assert updated["primary_email_address_id"] == email["id"]
        assert email["linked_to"] == [{"type": "oauth_google", "id": account["id"]}]
        assert email["verification"]["object"] == "verification_from_oauth"
        assert email["verification"]["strategy"] == "from_oauth_google"
        assert email["verification"]["status"] == "verified"
        assert (await recorded_events())[-1] == ("user.updated", updated)

    async def test_links_the_users_existing_email(self, client: httpx.AsyncClient) -> None:
        address = unique_email("linked")
        user = await make_user(client, email_address=[address])
        response = await post(
            client,
            user["id"],
            "external_accounts",
            {"provider": "oauth_github", "provider_user_id": "gh-1", "email_address": address.upper()},
        )
        updated = response.json()
        [email] = updated["email_addresses"]
        assert email["id"] == user["email_addresses"][0]["id"]
        assert email["verification"]["strategy"] == "admin"
        assert email["linked_to"] == [{"type": "oauth_github", "id": updated["external_accounts"][0]["id"]}]

    async def test_without_email(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        updated = (
            await post(client, user["id"], "external_accounts", {"provider": "oauth_x", "provider_user_id": "x1"})
        ).json()
        assert updated["email_addresses"] == user["email_addresses"]
        assert updated["external_accounts"][0]["email_address"] == ""

    async def test_email_of_another_user_is_taken(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        address = unique_email("taken")
        await make_user(client, email_address=[address])
        user = await make_user(client)
        before = await recorded_events()
        response = await post(
            client,
            user["id"],
            "external_accounts",
            {"provider": "oauth_google", "provider_user_id": "g-taken", "email_address": address},
        )
        assert response.status_code == 422
        assert error_code(response) == "form_identifier_exists"
        assert response.json()["errors"][0]["meta"] == {"param_name": "email_address"}
        assert await recorded_events() == before
        assert (await current_user(client, user["id"]))["external_accounts"] == []

    async def test_provider_account_linked_twice_is_taken(self, client: httpx.AsyncClient) -> None:
        first, second = await make_user(client), await make_user(client)
        body = {"provider": "oauth_google", "provider_user_id": "same"}
        assert (await post(client, first["id"], "external_accounts", body)).status_code == 200
        response = await post(client, second["id"], "external_accounts", body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["meta"] == {"param_name": "provider_user_id"}

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param(
                {"provider": "Google!", "provider_user_id": "1"},
                "form_param_value_invalid",
                id="bad-provider",
            ),
            pytest.param({"provider": "oauth_google"}, "form_param_missing", id="no-provider-user-id"),
            pytest.param(
                {"provider": "oauth_google", "provider_user_id": ""},
                "form_param_min_length_exceeded",
                id="empty-id",
            ),
            pytest.param(
                {"provider": "oauth_google", "provider_user_id": "1", "email_address": "nope"},
                "form_param_format_invalid",
                id="bad-email",
            ),
            pytest.param(
                {"provider": "oauth_google", "provider_user_id": "1", "token": "x"},
                "form_param_unknown",
                id="unknown",
            ),
        ],
    )
    async def test_bad_input(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client)
        response = await post(client, user["id"], "external_accounts", body)
        assert response.status_code == 422, response.text
        assert error_code(response) == code

    async def test_unknown_user(self, client: httpx.AsyncClient) -> None:
        response = await post(
            client, "user_unknown", "external_accounts", {"provider": "oauth_google", "provider_user_id": "1"}
        )
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await post(
            other_client,
            user["id"],
            "external_accounts",
            {"provider": "oauth_google", "provider_user_id": "1"},
        )
        assert response.status_code == 404

    async def test_requires_secret_key(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        client.headers.pop("Authorization")
        response = await post(
            client, user["id"], "external_accounts", {"provider": "oauth_google", "provider_user_id": "1"}
        )
        assert response.status_code == 401 and error_code(response) == "authorization_header_format_invalid"


class TestAddPasskey:
    async def test_adds_passkey(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        response = await post(client, user["id"], "passkeys", {"name": "YubiKey"})
        assert response.status_code == 200
        updated = response.json()
        assert updated == await current_user(client, user["id"])
        [passkey] = updated["passkeys"]
        assert passkey["name"] == "YubiKey" and passkey["id"].startswith("idn_")
        assert passkey["verification"]["status"] == "verified"
        assert (await recorded_events())[-1] == ("user.updated", updated)

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({}, "form_param_missing", id="missing"),
            pytest.param({"name": ""}, "form_param_min_length_exceeded", id="empty"),
            pytest.param({"name": "x" * 256}, "form_param_max_length_exceeded", id="too-long"),
        ],
    )
    async def test_bad_input(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client)
        response = await post(client, user["id"], "passkeys", body)
        assert response.status_code == 422 and error_code(response) == code

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        assert (await post(other_client, user["id"], "passkeys", {"name": "k"})).status_code == 404


class TestAddWeb3Wallet:
    async def test_first_wallet_becomes_primary(
        self, client: httpx.AsyncClient, recorded_events: RecordedEvents
    ) -> None:
        user = await make_user(client)
        first = (await post(client, user["id"], "web3_wallets", {"web3_wallet": WALLET})).json()
        assert first["primary_web3_wallet_id"] == first["web3_wallets"][0]["id"]
        assert first["web3_wallets"][0]["verification"]["status"] == "verified"
        second = (await post(client, user["id"], "web3_wallets", {"web3_wallet": "0x" + "d" * 40})).json()
        assert second["primary_web3_wallet_id"] == first["primary_web3_wallet_id"]
        assert len(second["web3_wallets"]) == 2
        assert second == await current_user(client, user["id"])
        assert (await recorded_events())[-1] == ("user.updated", second)

    async def test_taken_wallet(self, client: httpx.AsyncClient) -> None:
        await make_user(client, web3_wallet=[WALLET])
        user = await make_user(client)
        response = await post(client, user["id"], "web3_wallets", {"web3_wallet": WALLET.upper().replace("0X", "0x")})
        assert response.status_code == 422 and error_code(response) == "form_identifier_exists"

    async def test_invalid_wallet(self, client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        response = await post(client, user["id"], "web3_wallets", {"web3_wallet": "not-a-wallet"})
        assert response.status_code == 422 and error_code(response) == "form_param_format_invalid"

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        assert (await post(other_client, user["id"], "web3_wallets", {"web3_wallet": WALLET})).status_code == 404


class TestAddTrustedDevice:
    async def test_returns_active_device(self, client: httpx.AsyncClient, recorded_events: RecordedEvents) -> None:
        user = await make_user(client)
        response = await post(
            client,
            user["id"],
            "trusted_devices",
            {"platform": "android", "app_identifier": "com.example.app"},
        )
        assert response.status_code == 200
        device = response.json()
        assert device["object"] == "trusted_device" and device["id"].startswith("td_")
        assert (device["platform"], device["app_identifier"], device["name"]) == (
            "android",
            "com.example.app",
            None,
        )
        assert (device["status"], device["algorithm"], device["last_used_at"], device["revoked_at"]) == (
            "active",
            "ES256",
            None,
            None,
        )
        listed = (await client.get(f"/v1/users/{user['id']}/trusted_devices")).json()
        assert listed == {"data": [device], "total_count": 1}
        assert [event for event, _ in await recorded_events()] == ["user.created"]

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            pytest.param({"platform": "windows", "app_identifier": "a"}, "form_param_value_invalid", id="platform"),
            pytest.param({"platform": "ios"}, "form_param_missing", id="no-app-identifier"),
        ],
    )
    async def test_bad_input(self, client: httpx.AsyncClient, body: dict[str, Any], code: str) -> None:
        user = await make_user(client)
        response = await post(client, user["id"], "trusted_devices", body)
        assert response.status_code == 422 and error_code(response) == code

    async def test_unknown_user(self, client: httpx.AsyncClient) -> None:
        response = await post(client, "user_unknown", "trusted_devices", {"platform": "ios", "app_identifier": "a"})
        assert response.status_code == 404 and error_code(response) == "resource_not_found"

    async def test_other_instance(self, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
        user = await make_user(client)
        body = {"platform": "ios", "app_identifier": "a"}
        assert (await post(other_client, user["id"], "trusted_devices", body)).status_code == 404
