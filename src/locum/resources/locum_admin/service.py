"""Attaching to a user what Clerk attaches through its Frontend API (OAuth sign-ins, passkey and
wallet enrolment, mobile device trust), so that the Backend API operations on them can be used."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_identifier_exists, form_param_format_invalid
from locum.db.constraints import flush
from locum.db.models import EmailAddress, ExternalAccount, Passkey, TrustedDevice, User
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.identifiers import email_lookup_key, normalize_email
from locum.kit.ids import new_id
from locum.kit.json_types import JSON
from locum.kit.sealing import Sealer
from locum.resources.locum_admin.schemas import (
    ExternalAccountBody,
    PasskeyBody,
    TrustedDeviceBody,
    Web3WalletBody,
)
from locum.resources.users.accounts import oauth_provider
from locum.resources.users.repository import UserRepository
from locum.resources.users.serializers import trusted_device_json
from locum.resources.users.service import get_user_or_raise, new_email_address, new_web3_wallet, save_user


def _linked_email(user: User, address: str, *, provider: str, account_id: str, at_ms: int) -> EmailAddress:
    """The user's identification for `address` (new ones verified by the provider), linked to the account."""
    normalized = normalize_email(address)
    if normalized is None:
        raise form_param_format_invalid("email_address", f"{address!r} is not a valid email address.")
    key = email_lookup_key(normalized)
    email = next((row for row in user.email_addresses if row.email_address_normalized == key), None)
    if email is None:
        email = new_email_address(user, address, at_ms=at_ms)
        email.verification_strategy = f"from_{provider}"
        user.email_addresses.append(email)
        if user.primary_email_address_id is None:
            user.primary_email_address_id = email.id
    # A row not flushed yet has no linked_to until its column default applies.
    email.linked_to = [*(email.linked_to or []), {"type": provider, "id": account_id}]
    email.updated_at = at_ms
    return email


def _sealed(sealer: Sealer, token: str | None) -> bytes | None:
    return None if token is None else sealer.seal(token)


async def add_external_account(
    session: AsyncSession,
    sealer: Sealer,
    *,
    instance_id: str,
    user_id: str,
    body: ExternalAccountBody,
    ctx: RequestContext,
) -> JSON:
    provider = oauth_provider(body.provider)
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    taken = await session.scalar(
        select(ExternalAccount.id).where(
            ExternalAccount.instance_id == instance_id,
            ExternalAccount.provider == provider,
            ExternalAccount.provider_user_id == body.provider_user_id,
        )
    )
    if taken is not None:
        raise form_identifier_exists("provider_user_id")
    at_ms = now_ms()
    account = ExternalAccount(
        id=new_id("external_account"),
        # Clerk backs each OAuth account with an identification; all identification ids share `idn_`.
        identification_id=new_id("email_address"),
        instance_id=instance_id,
        user_id=user.id,
        provider=provider,
        provider_user_id=body.provider_user_id,
        approved_scopes=body.approved_scopes or "",
        first_name=body.first_name or "",
        last_name=body.last_name or "",
        avatar_url=body.avatar_url or "",
        username=body.username,
        label=body.label,
        public_metadata=body.public_metadata or {},
        sealed_access_token=_sealed(sealer, body.access_token),
        access_token_expires_at=body.access_token_expires_at,
        sealed_id_token=_sealed(sealer, body.id_token),
        created_at=at_ms,
        updated_at=at_ms,
    )
    if body.email_address is not None:
        email = _linked_email(user, body.email_address, provider=provider, account_id=account.id, at_ms=at_ms)
        account.email_address = email.email_address
    user.external_accounts.append(account)
    return await save_user(session, ctx, user, event="user.updated")


async def add_passkey(
    session: AsyncSession, *, instance_id: str, user_id: str, body: PasskeyBody, ctx: RequestContext
) -> JSON:
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    at_ms = now_ms()
    user.passkeys.append(
        Passkey(
            id=new_id("passkey"),
            instance_id=instance_id,
            user_id=user.id,
            name=body.name,
            last_used_at=at_ms,
            created_at=at_ms,
            updated_at=at_ms,
        )
    )
    return await save_user(session, ctx, user, event="user.updated")


async def add_web3_wallet(
    session: AsyncSession, *, instance_id: str, user_id: str, body: Web3WalletBody, ctx: RequestContext
) -> JSON:
    """A verified wallet; the first one becomes primary. Taken addresses fail as form_identifier_exists."""
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    wallet = new_web3_wallet(user, body.web3_wallet, at_ms=now_ms())
    user.web3_wallets.append(wallet)
    if user.primary_web3_wallet_id is None:
        user.primary_web3_wallet_id = wallet.id
    return await save_user(session, ctx, user, event="user.updated")


async def add_trusted_device(session: AsyncSession, *, instance_id: str, user_id: str, body: TrustedDeviceBody) -> JSON:
    """An active device; devices are not part of the user's JSON, so no user.updated is recorded."""
    await UserRepository(session, instance_id).keep_or_raise(user_id)
    at_ms = now_ms()
    device = TrustedDevice(
        id=new_id("trusted_device"),
        instance_id=instance_id,
        user_id=user_id,
        platform=body.platform,
        app_identifier=body.app_identifier,
        name=body.name,
        status="active",
        created_at=at_ms,
        updated_at=at_ms,
    )
    session.add(device)
    await flush(session)
    return trusted_device_json(device)
