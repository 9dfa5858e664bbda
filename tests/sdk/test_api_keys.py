"""API keys through the official SDK against a real server: every operation, under /v1 and without it,
and the SDK's own verify_token accepting a key until it is revoked or expired."""

import time
from collections.abc import Iterator

import pytest
from clerk_backend_api import Clerk, models
from clerk_backend_api.security.types import TokenVerificationError

from tests.sdk.conftest import NO_RETRIES, LocumServer, new_user, sdk_verify, unique


@pytest.fixture
def versionless_clerk(server: LocumServer) -> Iterator[Clerk]:
    """The SDK pointed at the server's root, calling /api_keys… without /v1 as Clerk's other SDKs do."""
    with Clerk(bearer_auth=server.secret_key, server_url=server.origin, retry_config=NO_RETRIES) as sdk:
        yield sdk


def test_create_get_update_and_list(clerk: Clerk) -> None:
    user, creator = new_user(clerk), new_user(clerk)
    created = clerk.api_keys.create_api_key(
        name=unique("billing"),
        subject=user.id,
        description="For the billing worker",
        claims={"tier": "gold"},
        scopes=["read"],
        created_by=creator.id,
        seconds_until_expiration=3600,
    )
    assert isinstance(created, models.CreateAPIKeyResponseBody)
    assert created.id.startswith("ak_") and created.secret.startswith("ak_") and created.subject == user.id
    assert created.expiration is not None and created.expiration - created.created_at == 3_600_000
    fetched = clerk.api_keys.get_api_key(api_key_id=created.id)
    assert isinstance(fetched, models.GetAPIKeyResponseBody)
    assert fetched.claims == {"tier": "gold"} and fetched.created_by == creator.id and not hasattr(fetched, "secret")
    updated = clerk.api_keys.update_api_key(
        api_key_id=created.id, scopes=["read", "write"], description=None, seconds_until_expiration=None
    )
    assert isinstance(updated, models.UpdateAPIKeyResponseBody)
    assert updated.scopes == ["read", "write"] and updated.description is None and updated.expiration is None
    other = clerk.api_keys.create_api_key(name=unique("search"), subject=user.id)
    listed = clerk.api_keys.get_api_keys(subject=user.id, limit=5, offset=0)
    assert isinstance(listed, models.GetAPIKeysResponseBody)
    assert [key.id for key in listed.data] == [other.id, created.id] and listed.total_count == 2
    found = clerk.api_keys.get_api_keys(subject=user.id, query="billing", include_invalid=models.IncludeInvalid.TRUE)
    assert [key.id for key in found.data] == [created.id]


def test_secret_revoke_and_verify(clerk: Clerk, server: LocumServer) -> None:
    key = clerk.api_keys.create_api_key(name=unique("deploy"), subject=new_user(clerk).id)
    assert clerk.api_keys.get_api_key_secret(api_key_id=key.id).secret == key.secret
    verified = clerk.api_keys.verify_api_key(secret=key.secret)
    assert isinstance(verified, models.VerifyAPIKeyResponseBody)
    assert verified.id == key.id and verified.last_used_at is not None
    assert sdk_verify(server, key.secret)["id"] == key.id
    revoked = clerk.api_keys.revoke_api_key(api_key_id=key.id, revocation_reason="leaked")
    assert isinstance(revoked, models.RevokeAPIKeyResponseBody)
    assert revoked.revoked is True and revoked.revocation_reason == "leaked"
    with pytest.raises(models.VerifyAPIKeyAPIKeysResponseResponseBody) as raised:
        clerk.api_keys.verify_api_key(secret=key.secret)
    assert raised.value.data.errors[0].code == "token_revoked"
    with pytest.raises(TokenVerificationError):
        sdk_verify(server, key.secret)


def test_an_expired_key_no_longer_verifies(clerk: Clerk, server: LocumServer) -> None:
    key = clerk.api_keys.create_api_key(name=unique("brief"), subject=new_user(clerk).id, seconds_until_expiration=0.3)
    assert sdk_verify(server, key.secret)["expired"] is False
    time.sleep(0.4)
    with pytest.raises(TokenVerificationError):
        sdk_verify(server, key.secret)
    with pytest.raises(models.VerifyAPIKeyAPIKeysResponseResponseBody) as raised:
        clerk.api_keys.verify_api_key(secret=key.secret)
    assert raised.value.data.errors[0].code == "token_expired"


def test_delete(clerk: Clerk) -> None:
    key = clerk.api_keys.create_api_key(name=unique("temp"), subject=new_user(clerk).id)
    deleted = clerk.api_keys.delete_api_key(api_key_id=key.id)
    # The SDK model names the `deleted` field DELETED.
    assert isinstance(deleted, models.DeleteAPIKeyResponseBody) and deleted.DELETED is True and deleted.id == key.id
    with pytest.raises(models.GetAPIKeyAPIKeysResponseResponseBody) as raised:
        clerk.api_keys.get_api_key(api_key_id=key.id)
    assert raised.value.data.errors[0].code == "resource_not_found"
    with pytest.raises(models.VerifyAPIKeyAPIKeysResponseResponseBody):
        clerk.api_keys.verify_api_key(secret=key.secret)


def test_errors_are_typed(clerk: Clerk) -> None:
    user = new_user(clerk)
    name = unique("taken")
    clerk.api_keys.create_api_key(name=name, subject=user.id)
    with pytest.raises(models.CreateAPIKeyAPIKeysResponseResponseBody) as conflict:
        clerk.api_keys.create_api_key(name=name, subject=user.id)
    assert conflict.value.data.errors[0].code == "api_key_name_already_exists"
    with pytest.raises(models.CreateAPIKeyAPIKeysResponseBody) as unknown:
        clerk.api_keys.create_api_key(name=unique("orphan"), subject="user_" + "0" * 27)
    assert unknown.value.data.errors[0].code == "form_resource_not_found"
    with pytest.raises(models.GetAPIKeyAPIKeysResponseBody) as malformed:
        clerk.api_keys.get_api_key(api_key_id="ak_missing")
    assert malformed.value.data.errors[0].code == "bad_request"
    with pytest.raises(models.GetAPIKeysAPIKeysResponseBody):
        clerk.api_keys.get_api_keys(subject="user_1")


def test_every_operation_without_v1(versionless_clerk: Clerk, clerk: Clerk, server: LocumServer) -> None:
    sdk = versionless_clerk
    user = new_user(clerk)
    key = sdk.api_keys.create_api_key(name=unique("versionless"), subject=user.id)
    assert sdk.api_keys.get_api_key(api_key_id=key.id).id == key.id
    assert sdk.api_keys.get_api_keys(subject=user.id).total_count == 1
    assert sdk.api_keys.update_api_key(api_key_id=key.id, claims={"a": 1}).claims == {"a": 1}
    assert sdk.api_keys.get_api_key_secret(api_key_id=key.id).secret == key.secret
    assert sdk.api_keys.verify_api_key(secret=key.secret).id == key.id
    assert sdk.api_keys.revoke_api_key(api_key_id=key.id).revoked is True
    assert sdk.api_keys.delete_api_key(api_key_id=key.id).DELETED is True
