"""Attaching to a user what Clerk attaches through its Frontend API (OAuth sign-ins, passkey and
wallet enrolment, mobile device trust), so that the Backend API operations on them can be used."""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_identifier_exists, form_param_format_invalid
from locum.db.constraints import flush
from locum.db.models import EmailAddress, User
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
from locum.resources.users.repository import (
    ExternalAccountRepository,
    PasskeyRepository,
    TrustedDeviceRepository,
    UserRepository,
)
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
    session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, user_id: str, body: ExternalAccountBody
) -> JSON:
    provider = oauth_provider(body.provider)
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    accounts = ExternalAccountRepository(session, ctx.instance_id)
    if await accounts.provider_user_taken(provider, body.provider_user_id):
        raise form_identifier_exists("provider_user_id")
    account = accounts.add(
        # Clerk backs each OAuth account with an identification; all identification ids share `idn_`.
        identification_id=new_id("email_address"),
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
    )
    if body.email_address is not None:
        email = _linked_email(
            user, body.email_address, provider=provider, account_id=account.id, at_ms=account.created_at
        )
        account.email_address = email.email_address
    user.external_accounts.append(account)
    return await save_user(session, ctx, user, event="user.updated")


async def add_passkey(session: AsyncSession, ctx: RequestContext, *, user_id: str, body: PasskeyBody) -> JSON:
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    passkey = PasskeyRepository(session, ctx.instance_id).add(user_id=user.id, name=body.name)
    # Enrolled now, so last used now.
    passkey.last_used_at = passkey.created_at
    user.passkeys.append(passkey)
    return await save_user(session, ctx, user, event="user.updated")


async def add_web3_wallet(session: AsyncSession, ctx: RequestContext, *, user_id: str, body: Web3WalletBody) -> JSON:
    """A verified wallet; the first one becomes primary. Taken addresses fail as form_identifier_exists."""
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    wallet = new_web3_wallet(user, body.web3_wallet, at_ms=now_ms())
    user.web3_wallets.append(wallet)
    if user.primary_web3_wallet_id is None:
        user.primary_web3_wallet_id = wallet.id
    return await save_user(session, ctx, user, event="user.updated")


async def add_trusted_device(
    session: AsyncSession, ctx: RequestContext, *, user_id: str, body: TrustedDeviceBody
) -> JSON:
    """An active device; devices are not part of the user's JSON, so no user.updated is recorded."""
    await UserRepository(session, ctx.instance_id).keep_or_raise(user_id)
    device = TrustedDeviceRepository(session, ctx.instance_id).add(
        user_id=user_id, platform=body.platform, app_identifier=body.app_identifier, name=body.name, status="active"
    )
    await flush(session)
    return trusted_device_json(device)
