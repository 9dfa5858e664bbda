"""Users and their identifications as Clerk renders them (the spec's User, EmailAddress, …)."""

import orjson

from locum.db.models import (
    EmailAddress,
    EnterpriseAccount,
    ExternalAccount,
    Passkey,
    PhoneNumber,
    TrustedDevice,
    User,
    Web3Wallet,
)
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON, columns
from locum.kit.sealing import Sealer
from locum.resources.enterprise_connections.serializers import enterprise_account_json, saml_accounts_json

MAX_VERIFICATION_ATTEMPTS = 10
LOCKOUT_DURATION_MS = 60 * 60 * 1000
OTP_STRATEGIES = {"email_code", "phone_code", "reset_password_email_code"}
IMAGES_PATH = "/locum/images"
DEFAULT_AVATAR_PATH = f"{IMAGES_PATH}/default"
# Stored documents name this origin instead of the server's, which may change between starts;
# reads put the current origin back (see with_origin).
STORED_ORIGIN = "locum://origin"
_STORED_IMAGES_PREFIX = f'"{STORED_ORIGIN}{IMAGES_PATH}/'.encode()


def image_url(origin: str, image_id: str | None) -> str:
    return f"{origin}{IMAGES_PATH}/{image_id}" if image_id else f"{origin}{DEFAULT_AVATAR_PATH}"


def with_origin(document: bytes, origin: str) -> bytes:
    """A stored document with its image URLs pointing at `origin`."""
    return document.replace(_STORED_IMAGES_PREFIX, f'"{origin}{IMAGES_PATH}/'.encode())


def _verification(kind: str, status: str, strategy: str, attempts: int | None, expire_at: int | None) -> JSON:
    return {"object": kind, "status": status, "strategy": strategy, "attempts": attempts, "expire_at": expire_at}


def verification_json(
    status: str | None, strategy: str | None, attempts: int | None, expire_at: int | None
) -> JSON | None:
    if status is None or strategy is None:
        return None
    if strategy == "admin":
        kind = "verification_admin"
    elif strategy in OTP_STRATEGIES:
        kind = "verification_otp"
    elif strategy.startswith("oauth_") or strategy.startswith("from_oauth_"):
        kind = "verification_from_oauth"
    else:
        kind = "verification_otp"
    return _verification(kind, status, strategy, attempts, expire_at)


def _identification_json(row: EmailAddress | PhoneNumber | Web3Wallet, kind: str, **fields: object) -> JSON:
    """What every identification shows: its id, kind, value (the column named after the kind), verification."""
    verification = verification_json(
        row.verification_status, row.verification_strategy, row.verification_attempts, row.verification_expire_at
    )
    return {
        "id": row.id,
        "object": kind,
        kind: getattr(row, kind),
        "verification": verification,
        **fields,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def email_address_json(row: EmailAddress) -> JSON:
    return _identification_json(
        row, "email_address", reserved=row.reserved, linked_to=row.linked_to, matches_sso_connection=False
    )


def phone_number_json(row: PhoneNumber) -> JSON:
    return _identification_json(
        row,
        "phone_number",
        reserved_for_second_factor=row.reserved_for_second_factor,
        default_second_factor=row.default_second_factor,
        reserved=row.reserved,
        linked_to=row.linked_to,
        backup_codes=None,
    )


def web3_wallet_json(row: Web3Wallet) -> JSON:
    return _identification_json(row, "web3_wallet")


def passkey_json(row: Passkey) -> JSON:
    return {
        "id": row.id,
        "object": "passkey",
        "name": row.name,
        "last_used_at": row.last_used_at,
        "verification": _verification("verification_passkey", "verified", "passkey", None, None),
    }


def external_account_json(row: ExternalAccount) -> JSON:
    return {
        "object": "external_account",
        **columns(
            row,
            "id",
            "provider",
            "identification_id",
            "provider_user_id",
            "approved_scopes",
            "email_address",
            "first_name",
            "last_name",
            "avatar_url",
            "username",
            "phone_number",
            "public_metadata",
            "label",
            "created_at",
            "updated_at",
        ),
        "email_address_verified": True,
        "image_url": row.avatar_url or None,
        # expire_at is required and non-null in the spec; the OAuth flow finished when the account was linked.
        "verification": _verification("verification_oauth", "verified", row.provider, None, row.created_at),
    }


def trusted_device_json(row: TrustedDevice) -> JSON:
    return {
        "object": "trusted_device",
        **columns(
            row,
            "id",
            "platform",
            "app_identifier",
            "name",
            "status",
            "created_at",
            "updated_at",
            "last_used_at",
            "revoked_at",
        ),
        "algorithm": "ES256",
    }


def deleted_object(kind: str, object_id: str) -> JSON:
    return {"object": kind, "id": object_id, "deleted": True}


def deleted_user_json(user: User) -> JSON:
    deleted = deleted_object("user", user.id)
    if user.external_id is not None:
        deleted["external_id"] = user.external_id
    return deleted


def oauth_access_token_json(row: ExternalAccount, sealer: Sealer, *, sealed_access_token: bytes) -> JSON:
    token: JSON = {
        "object": "oauth_access_token",
        "external_account_id": row.id,
        "provider_user_id": row.provider_user_id,
        "token": sealer.unseal(sealed_access_token),
        "expires_at": row.access_token_expires_at,
        **columns(row, "provider", "public_metadata", "label"),
        "scopes": row.approved_scopes.split(),
    }
    if row.sealed_id_token is not None:
        token["id_token"] = sealer.unseal(row.sealed_id_token)
    return token


def lockout_state(user: User, at_ms: int) -> tuple[bool, int | None]:
    """(locked, lockout_expires_in_seconds); a lock with no expiry lasts until unlocked."""
    if user.locked_at is None:
        return False, None
    if user.lockout_expires_at is None:
        return True, None
    remaining_ms = user.lockout_expires_at - at_ms
    if remaining_ms <= 0:
        return False, None
    return True, -(-remaining_ms // 1000)


# The lists of a user's JSON rendered from its identification and account rows (user_collections_json).
USER_COLLECTIONS = (
    "email_addresses",
    "phone_numbers",
    "web3_wallets",
    "passkeys",
    "external_accounts",
    "saml_accounts",
    "enterprise_accounts",
)


def user_collections_json(user: User) -> JSON:
    """The USER_COLLECTIONS of the user's JSON, from its loaded rows."""
    return collections_json(
        email_addresses=user.email_addresses,
        phone_numbers=user.phone_numbers,
        web3_wallets=user.web3_wallets,
        passkeys=user.passkeys,
        external_accounts=user.external_accounts,
        enterprise_accounts=user.enterprise_accounts,
    )


def collections_json(
    *,
    email_addresses: list[EmailAddress],
    phone_numbers: list[PhoneNumber],
    web3_wallets: list[Web3Wallet],
    passkeys: list[Passkey],
    external_accounts: list[ExternalAccount],
    enterprise_accounts: list[EnterpriseAccount],
) -> JSON:
    """The USER_COLLECTIONS of a user's JSON from these rows of it: for a new user, whose rows are
    rendered as built (setting them on its relationships would cost more than rendering them)."""
    return {
        "email_addresses": [email_address_json(row) for row in email_addresses],
        "phone_numbers": [phone_number_json(row) for row in phone_numbers],
        "web3_wallets": [web3_wallet_json(row) for row in web3_wallets],
        "passkeys": [passkey_json(row) for row in passkeys],
        "external_accounts": [external_account_json(row) for row in external_accounts],
        "saml_accounts": saml_accounts_json(enterprise_accounts),
        "enterprise_accounts": [enterprise_account_json(row) for row in enterprise_accounts],
    }


def stored_collections(document: bytes) -> JSON:
    """The USER_COLLECTIONS of a stored document: what its rows render to, as every write of them
    re-renders the document (a change of a user's columns alone can reuse them)."""
    stored = orjson.loads(document)
    return {name: stored[name] for name in USER_COLLECTIONS}


def user_json(user: User, origin: str, collections: JSON | None = None) -> JSON:
    """The user's Clerk JSON from its columns and `collections` (the USER_COLLECTIONS, rendered by
    user_collections_json or taken from the stored document); by default rendered from its rows."""
    if collections is None:
        collections = user_collections_json(user)
    locked, lockout_expires_in_seconds = lockout_state(user, now_ms())
    has_image = user.image_id is not None
    url = image_url(origin, user.image_id)
    two_factor = bool(
        user.sealed_totp_secret is not None
        or user.backup_code_digests
        or any(phone["reserved_for_second_factor"] for phone in collections["phone_numbers"])
    )
    return {
        "id": user.id,
        "object": "user",
        **columns(
            user,
            "external_id",
            "primary_email_address_id",
            "primary_phone_number_id",
            "primary_web3_wallet_id",
            "username",
            "first_name",
            "last_name",
            "locale",
        ),
        "profile_image_url": url,
        "image_url": url,
        "has_image": has_image,
        **columns(
            user,
            "public_metadata",
            "private_metadata",
            "unsafe_metadata",
            "mfa_enabled_at",
            "mfa_disabled_at",
            "password_last_updated_at",
        ),
        "email_addresses": collections["email_addresses"],
        "phone_numbers": collections["phone_numbers"],
        "web3_wallets": collections["web3_wallets"],
        "passkeys": collections["passkeys"],
        "password_enabled": user.password_digest is not None,
        "two_factor_enabled": two_factor,
        "totp_enabled": user.sealed_totp_secret is not None,
        "backup_code_enabled": bool(user.backup_code_digests),
        "external_accounts": collections["external_accounts"],
        "saml_accounts": collections["saml_accounts"],
        "enterprise_accounts": collections["enterprise_accounts"],
        "organization_memberships": [],
        "last_sign_in_at": user.last_sign_in_at,
        "banned": user.banned,
        "locked": locked,
        "deprovisioned": False,
        "lockout_expires_in_seconds": lockout_expires_in_seconds,
        "verification_attempts_remaining": max(MAX_VERIFICATION_ATTEMPTS - user.failed_verification_attempts, 0),
        **columns(
            user,
            "updated_at",
            "created_at",
            "delete_self_enabled",
            "create_organization_enabled",
            "create_organizations_limit",
            "last_active_at",
            "legal_accepted_at",
            "bypass_client_trust",
        ),
    }


def document_and_json(user: User, origin: str, collections: JSON | None = None) -> tuple[bytes, JSON]:
    """The user's stored document (its JSON for STORED_ORIGIN) and its JSON for `origin` (as
    user_json renders them), rendered once: the origin shows in the image URLs alone."""
    data = user_json(user, origin, collections)
    stored_url = image_url(STORED_ORIGIN, user.image_id)
    return orjson.dumps({**data, "profile_image_url": stored_url, "image_url": stored_url}), data


def current_document(origin: str, document: bytes, locked_at: int | None, lockout_expires_at: int | None) -> bytes:
    """A stored document (a row of repository.DOCUMENT_COLUMNS) for this server's origin, with the
    lockout brought up to date (the only time-dependent fields): an expired lockout reads as
    unlocked with a fresh count of attempts, as the next write will store."""
    document = with_origin(bytes(document), origin)
    if locked_at is None or lockout_expires_at is None:
        return document
    data = orjson.loads(document)
    remaining_ms = lockout_expires_at - now_ms()
    if remaining_ms > 0:
        data["lockout_expires_in_seconds"] = -(-remaining_ms // 1000)
    else:
        data.update(
            locked=False, lockout_expires_in_seconds=None, verification_attempts_remaining=MAX_VERIFICATION_ATTEMPTS
        )
    return orjson.dumps(data)
