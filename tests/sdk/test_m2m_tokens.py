"""M2M tokens through the official SDK against a real server: every M2M Tokens operation (minting
with a machine's own key), and the SDK's own verify_token accepting locum's opaque and JWT tokens
and rejecting them once revoked or expired."""

import time
from collections.abc import Iterator

import pytest
from clerk_backend_api import Clerk, models
from clerk_backend_api.security import TokenVerificationError

from tests.sdk.conftest import NO_RETRIES, LocumServer, sdk_verify, unique


def machine_sdk(server: LocumServer, secret_key: str) -> Clerk:
    """An SDK client authenticating with a machine's secret key."""
    return Clerk(bearer_auth=secret_key, server_url=server.api_url, retry_config=NO_RETRIES)


@pytest.fixture
def machines(clerk: Clerk) -> Iterator[tuple[models.MachineCreated, models.MachineCreated]]:
    """(sender, receiver): the sender may talk to the receiver."""
    receiver = clerk.machines.create(request={"name": unique("receiver")})
    sender = clerk.machines.create(request={"name": unique("sender"), "scoped_machines": [receiver.id]})
    yield sender, receiver
    for machine in (sender, receiver):
        clerk.machines.delete(machine_id=machine.id)


def test_create_list_verify_and_revoke(
    clerk: Clerk, server: LocumServer, machines: tuple[models.MachineCreated, models.MachineCreated]
) -> None:
    sender, receiver = machines
    with machine_sdk(server, sender.secret_key) as as_sender, machine_sdk(server, receiver.secret_key) as as_receiver:
        created = as_sender.m2m.create_token(claims={"job": "sync"}, seconds_until_expiration=300)
        assert isinstance(created, models.CreateM2MTokenResponseBody)
        assert created.token.startswith("mt_") and created.subject == sender.id and created.scopes == [receiver.id]
        reused = as_sender.m2m.create_token(claims={"job": "sync"}, min_remaining_ttl_seconds=60)
        assert reused.id == created.id and reused.token == created.token

        verified = as_receiver.m2m.verify_token(token=created.token)
        assert isinstance(verified, models.VerifyM2MTokenResponseBody)
        assert verified.id == created.id and verified.claims == {"job": "sync"}
        assert clerk.m2m.verify_token(token=created.token).subject == sender.id

        listed = clerk.m2m.list_tokens(subject=sender.id, limit=5)
        assert isinstance(listed, models.GetM2MTokensResponseBody)
        assert [t.id for t in listed.m2m_tokens] == [created.id] and listed.total_count == 1
        assert as_sender.m2m.list_tokens(subject=sender.id).total_count == 1

        revoked = as_sender.m2m.revoke_token(m2m_token_id=created.id, revocation_reason="rotated")
        assert isinstance(revoked, models.RevokeM2MTokenResponseBody)
        assert revoked.revoked and revoked.revocation_reason == "rotated"
        with pytest.raises(models.ClerkBaseError) as raised:
            as_receiver.m2m.verify_token(token=created.token)
        assert raised.value.status_code == 404
        assert clerk.m2m.list_tokens(subject=sender.id).total_count == 0
        assert clerk.m2m.list_tokens(subject=sender.id, revoked=True).total_count == 1


def sleep_past(expiration_ms: int | None) -> None:
    """Sleep until the wall clock (which the server shares) is past `expiration_ms`."""
    assert expiration_ms is not None
    time.sleep(max(0.0, expiration_ms / 1000 - time.time()) + 0.1)


def test_the_instance_key_cannot_mint(clerk: Clerk) -> None:
    with pytest.raises(models.SDKError) as raised:
        clerk.m2m.create_token()
    assert raised.value.status_code == 401 and "machine_secret_key_invalid" in raised.value.body


def test_sdk_verification_of_opaque_tokens(
    server: LocumServer, machines: tuple[models.MachineCreated, models.MachineCreated]
) -> None:
    sender, _ = machines
    with machine_sdk(server, sender.secret_key) as as_sender:
        token = as_sender.m2m.create_token()
        short = as_sender.m2m.create_token(seconds_until_expiration=1)
        # The SDK posts {"secret": …} to /m2m_tokens/verify, without /v1.
        assert sdk_verify(server, token.token)["id"] == token.id
        as_sender.m2m.revoke_token(m2m_token_id=token.id)
    # Whether `short` still verifies before its second is up depends on the machine's speed, so only
    # its rejection afterwards is checked; `token` shows acceptance.
    sleep_past(short.expiration)
    for rejected in (token.token, short.token):
        with pytest.raises(TokenVerificationError):
            sdk_verify(server, rejected)


def test_sdk_verification_of_jwt_tokens(
    server: LocumServer, machines: tuple[models.MachineCreated, models.MachineCreated]
) -> None:
    sender, receiver = machines
    with machine_sdk(server, sender.secret_key) as as_sender:
        token = as_sender.m2m.create_token(token_format=models.TokenFormat.JWT, claims={"tier": "gold"})
        short = as_sender.m2m.create_token(token_format=models.TokenFormat.JWT, seconds_until_expiration=1)
    # Networkless: the SDK checks the signature against GET /v1/jwks.
    claims = sdk_verify(server, token.token)
    assert (claims["sub"], claims["jti"], claims["scopes"], claims["tier"]) == (
        sender.id,
        token.id,
        receiver.id,
        "gold",
    )
    # JWT `exp` has one-second resolution; acceptance before it is shown by `token` above.
    sleep_past(short.expiration + 1000)
    with pytest.raises(TokenVerificationError):
        sdk_verify(server, short.token, clock_skew_in_ms=0)
