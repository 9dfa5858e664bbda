"""Profile image, passkeys, web3 wallets, external accounts, OAuth tokens and trusted devices through
the official SDK; state the SDK cannot create is set up through locum's /locum endpoints."""

from typing import Any

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.builders import png_bytes, unique_email
from tests.sdk.conftest import LocumServer, new_user


def attach(server: LocumServer, user_id: str, collection: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{server.origin}/locum/users/{user_id}/{collection}",
        json=body,
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )
    assert response.status_code == 200, response.text
    attached: dict[str, Any] = response.json()
    return attached


def test_set_and_delete_profile_image(clerk: Clerk) -> None:
    user = new_user(clerk)
    content = png_bytes((10, 200, 10))
    updated = clerk.users.set_profile_image(
        user_id=user.id, file={"file_name": "me.png", "content": content, "content_type": "image/png"}
    )
    assert isinstance(updated, models.User) and updated.has_image
    assert updated.image_url is not None
    served = httpx.get(updated.image_url)
    assert served.status_code == 200 and served.content == content
    cleared = clerk.users.delete_profile_image(user_id=user.id)
    assert not cleared.has_image and cleared.image_url is not None
    assert cleared.image_url.endswith("/locum/images/default")
    assert httpx.get(updated.image_url).status_code == 404


@pytest.mark.parametrize(
    ("file", "code"),
    [
        pytest.param(None, "form_param_missing", id="no-file"),
        pytest.param({"file_name": "a.png", "content": b"not an image"}, "request_body_invalid", id="not-an-image"),
    ],
)
def test_set_profile_image_errors_are_typed(clerk: Clerk, file: dict[str, Any] | None, code: str) -> None:
    user = new_user(clerk)
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.users.set_profile_image(user_id=user.id, file=file)
    assert raised.value.data.errors[0].code == code


def test_profile_image_of_unknown_user(clerk: Clerk) -> None:
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.users.set_profile_image(
            user_id="user_unknown", file={"file_name": "a.png", "content": png_bytes((0, 0, 0))}
        )
    assert raised.value.data.errors[0].code == "resource_not_found"
    with pytest.raises(models.ClerkErrors):
        clerk.users.delete_profile_image(user_id="user_unknown")


def test_delete_passkey(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    passkey_id = attach(server, user.id, "passkeys", {"name": "Laptop"})["passkeys"][0]["id"]
    deleted = clerk.users.delete_passkey(user_id=user.id, passkey_identification_id=passkey_id)
    assert isinstance(deleted, models.DeletedObject)
    assert (deleted.object, deleted.id, deleted.deleted) == ("passkey", passkey_id, True)
    assert clerk.users.get(user_id=user.id).passkeys == []
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.users.delete_passkey(user_id=user.id, passkey_identification_id=passkey_id)
    assert raised.value.data.errors[0].code == "resource_not_found"


def test_delete_web3_wallet(clerk: Clerk) -> None:
    user = new_user(clerk, web3_wallet=["0x" + "e" * 40, "0x" + "f" * 40])
    first, second = user.web3_wallets
    deleted = clerk.users.delete_web3_wallet(user_id=user.id, web3_wallet_identification_id=first.id)
    assert isinstance(deleted, models.DeletedObject) and deleted.deleted and deleted.id == first.id
    assert clerk.users.get(user_id=user.id).primary_web3_wallet_id == second.id
    with pytest.raises(models.ClerkErrors):
        clerk.users.delete_web3_wallet(user_id=user.id, web3_wallet_identification_id=first.id)


def test_delete_external_account(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    email = unique_email("google")
    linked = attach(
        server,
        user.id,
        "external_accounts",
        {"provider": "oauth_google", "provider_user_id": f"g-{user.id}", "email_address": email},
    )
    account_id = linked["external_accounts"][0]["id"]
    fetched = clerk.users.get(user_id=user.id)
    assert [account.id for account in fetched.external_accounts] == [account_id]
    deleted = clerk.users.delete_external_account(user_id=user.id, external_account_id=account_id)
    assert isinstance(deleted, models.DeletedObject) and deleted.id == account_id and deleted.deleted
    assert clerk.users.get(user_id=user.id).external_accounts == []
    with pytest.raises(models.ClerkErrors):
        clerk.users.delete_external_account(user_id=user.id, external_account_id=account_id)


def test_list_and_revoke_trusted_devices(clerk: Clerk, server: LocumServer) -> None:
    user = new_user(clerk)
    device = attach(
        server,
        user.id,
        "trusted_devices",
        {"platform": "ios", "app_identifier": "com.example", "name": "iPhone"},
    )
    listed = clerk.users.list_trusted_devices(user_id=user.id)
    assert isinstance(listed, models.TrustedDeviceList) and listed.total_count == 1
    assert listed.data[0].id == device["id"] and listed.data[0].name == "iPhone"
    revoked = clerk.users.revoke_trusted_device(user_id=user.id, trusted_device_id=device["id"])
    assert isinstance(revoked, models.TrustedDevice)
    assert revoked.status == "revoked" and revoked.revoked_at is not None
    assert clerk.users.list_trusted_devices(user_id=user.id).total_count == 0
    with pytest.raises(models.ClerkErrors):
        clerk.users.revoke_trusted_device(user_id=user.id, trusted_device_id=device["id"])


@pytest.mark.parametrize(
    "provider", [pytest.param("oauth_google", id="oauth_google"), pytest.param("google", id="google")]
)
def test_get_oauth_access_token(clerk: Clerk, server: LocumServer, provider: str) -> None:
    user = new_user(clerk)
    linked = attach(
        server,
        user.id,
        "external_accounts",
        {
            "provider": "oauth_google",
            "provider_user_id": f"g-{user.id}",
            "access_token": "ya29.sdk",
            "access_token_expires_at": 1_900_000_000,
            "approved_scopes": "openid email",
        },
    )
    [token] = clerk.users.get_o_auth_access_token(user_id=user.id, provider=provider)
    assert isinstance(token, models.OAuthAccessToken)
    assert token.external_account_id == linked["external_accounts"][0]["id"]
    assert (token.token, token.expires_at, token.provider) == ("ya29.sdk", 1_900_000_000, "oauth_google")
    assert token.scopes == ["openid", "email"] and token.label is None
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.users.get_o_auth_access_token(user_id="user_unknown", provider=provider)
    assert raised.value.data.errors[0].code == "resource_not_found"
