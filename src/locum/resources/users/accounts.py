"""What hangs off a user besides email and phone: passkeys, web3 wallets, OAuth accounts (and their
access tokens) and trusted devices. Deleting any of them from the user's JSON records user.updated."""

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_value_invalid, not_found
from locum.api.pagination import ListBody, PaginatedQuery, list_body
from locum.db.constraints import flush
from locum.db.models import EmailAddress, ExternalAccount, PhoneNumber, User
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.sealing import Sealer
from locum.resources.users.repository import TrustedDeviceRepository, UserRepository
from locum.resources.users.serializers import deleted_object, oauth_access_token_json, trusted_device_json
from locum.resources.users.service import get_user_or_raise, save_user

# Clerk's strategy pattern for OAuth providers (verification_oauth.strategy in the spec).
OAUTH_PROVIDER = re.compile(r"^oauth_(?:token_|custom_)?[a-z]+$")


def oauth_provider(value: str) -> str:
    """`google` and `oauth_google` name the same provider; the stored form is `oauth_google`."""
    provider = value if value.startswith("oauth_") else f"oauth_{value}"
    if not OAUTH_PROVIDER.match(provider):
        raise form_param_value_invalid("provider", f"{value!r} is not an OAuth provider.")
    return provider


async def _delete_from_user(
    session: AsyncSession,
    ctx: RequestContext,
    user_id: str,
    *,
    kind: str,
    row_id: str,
    then: Callable[[User, Any], None] | None = None,
) -> JSON:
    """Remove the user's `kind` row (`<kind>s` on the user) `row_id`, run `then`, save the user."""
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    rows: list[Any] = getattr(user, f"{kind}s")
    row = next((row for row in rows if row.id == row_id), None)
    if row is None:
        raise not_found(kind.replace("_", " "))
    rows.remove(row)
    if then is not None:
        then(user, row)
    await save_user(session, ctx, user, event="user.updated")
    return deleted_object(kind, row_id)


def _succeed_primary_wallet(user: User, wallet: Any) -> None:
    """If the wallet was primary, the oldest remaining verified wallet becomes primary."""
    if user.primary_web3_wallet_id == wallet.id:
        successor = next((row for row in user.web3_wallets if row.verification_status == "verified"), None)
        user.primary_web3_wallet_id = successor.id if successor else None


def _unlink_identifications(user: User, account: Any) -> None:
    """Identifications the account brought stay, without their link to it."""
    identifications: list[EmailAddress | PhoneNumber] = [*user.email_addresses, *user.phone_numbers]
    for identification in identifications:
        links = [link for link in identification.linked_to if link.get("id") != account.id]
        if len(links) != len(identification.linked_to):
            identification.linked_to = links


async def delete_passkey(session: AsyncSession, ctx: RequestContext, user_id: str, passkey_id: str) -> JSON:
    return await _delete_from_user(session, ctx, user_id, kind="passkey", row_id=passkey_id)


async def delete_web3_wallet(session: AsyncSession, ctx: RequestContext, user_id: str, web3_wallet_id: str) -> JSON:
    return await _delete_from_user(
        session, ctx, user_id, kind="web3_wallet", row_id=web3_wallet_id, then=_succeed_primary_wallet
    )


async def delete_external_account(
    session: AsyncSession, ctx: RequestContext, user_id: str, external_account_id: str
) -> JSON:
    return await _delete_from_user(
        session, ctx, user_id, kind="external_account", row_id=external_account_id, then=_unlink_identifications
    )


async def list_trusted_devices(session: AsyncSession, ctx: RequestContext, user_id: str) -> JSON:
    """The user's active devices, in enrolment order (revoked ones are no longer listed)."""
    await UserRepository(session, ctx.instance_id).require(user_id)
    rows = await TrustedDeviceRepository(session, ctx.instance_id).active(user_id)
    return list_body([trusted_device_json(row) for row in rows], len(rows))


async def revoke_trusted_device(
    session: AsyncSession, ctx: RequestContext, user_id: str, trusted_device_id: str
) -> JSON:
    """Only an active device can be revoked; a revoked one is as gone as it is from the list."""
    await UserRepository(session, ctx.instance_id).require(user_id)
    device = await TrustedDeviceRepository(session, ctx.instance_id).lock_active_or_raise(user_id, trusted_device_id)
    device.status = "revoked"
    device.revoked_at = device.updated_at = now_ms()
    await flush(session)
    return trusted_device_json(device)


async def oauth_access_tokens(
    session: AsyncSession, ctx: RequestContext, user_id: str, provider: str, page: PaginatedQuery, *, sealer: Sealer
) -> ListBody:
    """One page of tokens for the user's accounts of `provider` holding a token: a bare array as the
    spec shows, or `{data, total_count}` with paginated=true (what Clerk's SDKs expect then)."""
    provider = oauth_provider(provider)
    user = await get_user_or_raise(session, ctx, user_id)
    holding: list[tuple[ExternalAccount, bytes]] = [
        (row, row.sealed_access_token)
        for row in user.external_accounts
        if row.provider == provider and row.sealed_access_token is not None
    ]
    # Only the page's tokens are unsealed.
    tokens = [
        oauth_access_token_json(row, sealer, sealed_access_token=sealed)
        for row, sealed in holding[page.offset : page.offset + page.limit]
    ]
    return list_body(tokens, len(holding) if page.paginated else None)
