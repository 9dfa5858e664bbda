"""What hangs off a user besides email and phone: passkeys, web3 wallets, OAuth accounts (and their
access tokens) and trusted devices. Deleting any of them from the user's JSON records user.updated."""

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_value_invalid, not_found
from locum.api.paging import PageQuery
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import EmailAddress, ExternalAccount, PhoneNumber, TrustedDevice, User
from locum.kit.clock import now_ms
from locum.kit.sealing import Sealer
from locum.resources.users.serializers import JSON, trusted_device_json
from locum.resources.users.service import get_user_or_raise, save_user

# Clerk's strategy pattern for OAuth providers (verification_oauth.strategy in the spec).
OAUTH_PROVIDER = re.compile(r"^oauth_(?:token_|custom_)?[a-z]+$")


def deleted_object(kind: str, object_id: str) -> JSON:
    return {"object": kind, "id": object_id, "deleted": True}


def oauth_provider(value: str) -> str:
    """`google` and `oauth_google` name the same provider; the stored form is `oauth_google`."""
    provider = value if value.startswith("oauth_") else f"oauth_{value}"
    if not OAUTH_PROVIDER.match(provider):
        raise form_param_value_invalid("provider", f"{value!r} is not an OAuth provider.")
    return provider


async def delete_passkey(
    session: AsyncSession, *, instance_id: str, user_id: str, passkey_id: str, origin: str
) -> JSON:
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id, for_update=True)
    passkey = next((row for row in user.passkeys if row.id == passkey_id), None)
    if passkey is None:
        raise not_found("passkey")
    user.passkeys.remove(passkey)
    await save_user(session, user, origin=origin, event="user.updated")
    return deleted_object("passkey", passkey_id)


async def delete_web3_wallet(
    session: AsyncSession, *, instance_id: str, user_id: str, web3_wallet_id: str, origin: str
) -> JSON:
    """Remove the wallet; if it was primary, the oldest remaining verified wallet becomes primary."""
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id, for_update=True)
    wallet = next((row for row in user.web3_wallets if row.id == web3_wallet_id), None)
    if wallet is None:
        raise not_found("web3 wallet")
    user.web3_wallets.remove(wallet)
    if user.primary_web3_wallet_id == wallet.id:
        successor = next((row for row in user.web3_wallets if row.verification_status == "verified"), None)
        user.primary_web3_wallet_id = successor.id if successor else None
    await save_user(session, user, origin=origin, event="user.updated")
    return deleted_object("web3_wallet", web3_wallet_id)


async def delete_external_account(
    session: AsyncSession, *, instance_id: str, user_id: str, external_account_id: str, origin: str
) -> JSON:
    """Unlink the account; identifications it brought stay, without their link to it."""
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id, for_update=True)
    account = next((row for row in user.external_accounts if row.id == external_account_id), None)
    if account is None:
        raise not_found("external account")
    user.external_accounts.remove(account)
    identifications: list[EmailAddress | PhoneNumber] = [*user.email_addresses, *user.phone_numbers]
    for identification in identifications:
        links = [link for link in identification.linked_to if link.get("id") != account.id]
        if len(links) != len(identification.linked_to):
            identification.linked_to = links
    await save_user(session, user, origin=origin, event="user.updated")
    return deleted_object("external_account", external_account_id)


async def require_user(session: AsyncSession, *, instance_id: str, user_id: str) -> None:
    found = await session.scalar(select(User.id).where(User.instance_id == instance_id, User.id == user_id))
    if found is None:
        raise not_found("user")


async def list_trusted_devices(session: AsyncSession, *, instance_id: str, user_id: str) -> JSON:
    """The user's active devices, in enrolment order (revoked ones are no longer listed)."""
    await require_user(session, instance_id=instance_id, user_id=user_id)
    rows = list(
        await session.scalars(
            select(TrustedDevice)
            .where(
                TrustedDevice.instance_id == instance_id,
                TrustedDevice.user_id == user_id,
                TrustedDevice.status == "active",
            )
            .order_by(TrustedDevice.created_at, TrustedDevice.id)
        )
    )
    return {"data": [trusted_device_json(row) for row in rows], "total_count": len(rows)}


async def revoke_trusted_device(
    session: AsyncSession, *, instance_id: str, user_id: str, trusted_device_id: str
) -> JSON:
    """Only an active device can be revoked; a revoked one is as gone as it is from the list."""
    await require_user(session, instance_id=instance_id, user_id=user_id)
    device = await session.scalar(
        locked(
            select(TrustedDevice).where(
                TrustedDevice.instance_id == instance_id,
                TrustedDevice.user_id == user_id,
                TrustedDevice.id == trusted_device_id,
                TrustedDevice.status == "active",
            )
        )
    )
    if device is None:
        raise not_found("trusted device")
    device.status = "revoked"
    device.revoked_at = device.updated_at = now_ms()
    await flush(session)
    return trusted_device_json(device)


def oauth_access_token_json(row: ExternalAccount, sealer: Sealer, *, sealed_access_token: bytes) -> JSON:
    token: JSON = {
        "object": "oauth_access_token",
        "external_account_id": row.id,
        "provider_user_id": row.provider_user_id,
        "token": sealer.unseal(sealed_access_token),
        "expires_at": row.access_token_expires_at,
        "provider": row.provider,
        "public_metadata": row.public_metadata,
        "label": row.label,
        "scopes": row.approved_scopes.split(),
    }
    if row.sealed_id_token is not None:
        token["id_token"] = sealer.unseal(row.sealed_id_token)
    return token


async def oauth_access_tokens(
    session: AsyncSession, sealer: Sealer, *, instance_id: str, user_id: str, provider: str, page: PageQuery
) -> tuple[list[JSON], int]:
    """(one page of tokens, how many there are) for the user's accounts of `provider` holding a token."""
    provider = oauth_provider(provider)
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id)
    holding = [
        (row, row.sealed_access_token)
        for row in user.external_accounts
        if row.provider == provider and row.sealed_access_token is not None
    ]
    # Only the page's tokens are unsealed.
    tokens = [
        oauth_access_token_json(row, sealer, sealed_access_token=sealed)
        for row, sealed in holding[page.offset : page.offset + page.limit]
    ]
    return tokens, len(holding)
