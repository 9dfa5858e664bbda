"""A user and the identifications and accounts that hang off it."""

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped
from locum.db.types import JsonDocument

if TYPE_CHECKING:
    from locum.db.models.enterprise_sso import EnterpriseAccount

NAME_LENGTH = 255


def _user_fk() -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True)


class User(InstanceScoped, Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("instance_id", "username_normalized"),
        UniqueConstraint("instance_id", "external_id"),
        # Each order's index ends with the id, the tie-break: a page is read in index order.
        Index(None, "instance_id", "created_at", "id"),
        Index(None, "instance_id", "updated_at", "id"),
        Index(None, "instance_id", "last_active_at", "id"),
        Index(None, "instance_id", "last_sign_in_at", "id"),
        Index(None, "instance_id", "first_name", "id"),
        Index(None, "instance_id", "last_name", "id"),
        Index(None, "instance_id", "username_normalized", "id"),
        Index(None, "instance_id", "banned", "created_at", "id"),
        Index(None, "instance_id", "primary_email_address_normalized", "id"),
        Index(None, "instance_id", "primary_phone_number", "id"),
        Index(None, "instance_id", "primary_web3_wallet_normalized", "id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    username: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    username_normalized: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    first_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    last_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    locale: Mapped[str | None] = mapped_column(String(32))
    image_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    primary_email_address_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    primary_phone_number_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    primary_web3_wallet_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # The value of the primary of each kind, which order_by=email_address / phone_number / web3wallet
    # read from their index; null without one. Kept by the database's triggers (migration 0020); an
    # insert may give it (create_user and clerk_import do, sparing the update of the user its
    # identifications' insert would make).
    primary_email_address_normalized: Mapped[str | None] = mapped_column(String(320))
    primary_phone_number: Mapped[str | None] = mapped_column(String(32))
    primary_web3_wallet_normalized: Mapped[str | None] = mapped_column(String(128))

    password_digest: Mapped[str | None] = mapped_column(Text)
    password_hasher: Mapped[str | None] = mapped_column(String(32))
    password_last_updated_at: Mapped[int | None] = mapped_column(BigInteger)
    password_compromised: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sealed with the master key: a TOTP code is checked against the secret itself.
    sealed_totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    backup_code_digests: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    mfa_enabled_at: Mapped[int | None] = mapped_column(BigInteger)
    mfa_disabled_at: Mapped[int | None] = mapped_column(BigInteger)

    public_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    private_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    unsafe_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)

    banned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_at: Mapped[int | None] = mapped_column(BigInteger)
    lockout_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    failed_verification_attempts: Mapped[int] = mapped_column(Integer, default=0)

    delete_self_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    create_organization_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    create_organizations_limit: Mapped[int | None] = mapped_column(Integer)
    bypass_client_trust: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_accepted_at: Mapped[int | None] = mapped_column(BigInteger)
    last_sign_in_at: Mapped[int | None] = mapped_column(BigInteger)
    last_active_at: Mapped[int | None] = mapped_column(BigInteger)

    # The user's Clerk JSON, rendered on every write so reads are one primary-key fetch.
    document: Mapped[bytes] = mapped_column(LargeBinary, default=b"")

    email_addresses: Mapped[list["EmailAddress"]] = relationship(
        order_by="EmailAddress.created_at", cascade="all, delete-orphan", passive_deletes=True
    )
    phone_numbers: Mapped[list["PhoneNumber"]] = relationship(
        order_by="PhoneNumber.created_at", cascade="all, delete-orphan", passive_deletes=True
    )
    web3_wallets: Mapped[list["Web3Wallet"]] = relationship(
        order_by="Web3Wallet.created_at", cascade="all, delete-orphan", passive_deletes=True
    )
    passkeys: Mapped[list["Passkey"]] = relationship(
        order_by="Passkey.created_at", cascade="all, delete-orphan", passive_deletes=True
    )
    external_accounts: Mapped[list["ExternalAccount"]] = relationship(
        order_by="ExternalAccount.created_at", cascade="all, delete-orphan", passive_deletes=True
    )
    trusted_devices: Mapped[list["TrustedDevice"]] = relationship(
        order_by="TrustedDevice.created_at", cascade="all, delete-orphan", passive_deletes=True
    )
    # db/models/enterprise_sso.py; rendered as both `enterprise_accounts` and (SAML ones) `saml_accounts`
    enterprise_accounts: Mapped[list["EnterpriseAccount"]] = relationship(
        order_by="EnterpriseAccount.created_at", cascade="all, delete-orphan", passive_deletes=True
    )


class Verifiable:
    """The verification Clerk shows on an identification (status, strategy, attempts, expiry)."""

    verification_status: Mapped[str | None] = mapped_column(String(16))
    verification_strategy: Mapped[str | None] = mapped_column(String(64))
    verification_attempts: Mapped[int | None] = mapped_column(Integer)
    verification_expire_at: Mapped[int | None] = mapped_column(BigInteger)


class EmailAddress(InstanceScoped, Timestamped, Verifiable, Base):
    __tablename__ = "email_addresses"
    __table_args__ = (UniqueConstraint("instance_id", "email_address_normalized"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = _user_fk()
    email_address: Mapped[str] = mapped_column(String(320))
    email_address_normalized: Mapped[str] = mapped_column(String(320))
    reserved: Mapped[bool] = mapped_column(Boolean, default=False)
    linked_to: Mapped[list[dict[str, str]]] = mapped_column(JsonDocument, default=list)


class PhoneNumber(InstanceScoped, Timestamped, Verifiable, Base):
    __tablename__ = "phone_numbers"
    __table_args__ = (UniqueConstraint("instance_id", "phone_number"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = _user_fk()
    phone_number: Mapped[str] = mapped_column(String(32))
    reserved: Mapped[bool] = mapped_column(Boolean, default=False)
    reserved_for_second_factor: Mapped[bool] = mapped_column(Boolean, default=False)
    default_second_factor: Mapped[bool] = mapped_column(Boolean, default=False)
    linked_to: Mapped[list[dict[str, str]]] = mapped_column(JsonDocument, default=list)


class Web3Wallet(InstanceScoped, Timestamped, Verifiable, Base):
    __tablename__ = "web3_wallets"
    __table_args__ = (UniqueConstraint("instance_id", "web3_wallet_normalized"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = _user_fk()
    web3_wallet: Mapped[str] = mapped_column(String(128))
    web3_wallet_normalized: Mapped[str] = mapped_column(String(128))


class Passkey(InstanceScoped, Timestamped, Base):
    __tablename__ = "passkeys"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = _user_fk()
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    last_used_at: Mapped[int] = mapped_column(BigInteger)


class ExternalAccount(InstanceScoped, Timestamped, Base):
    """An OAuth account (e.g. `oauth_google`) linked to a user, with its provider tokens (sealed with
    the master key: GetOAuthAccessToken returns them)."""

    __tablename__ = "external_accounts"
    __table_args__ = (UniqueConstraint("instance_id", "provider", "provider_user_id"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    identification_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    user_id: Mapped[str] = _user_fk()
    provider: Mapped[str] = mapped_column(String(64))
    provider_user_id: Mapped[str] = mapped_column(String(NAME_LENGTH))
    approved_scopes: Mapped[str] = mapped_column(Text, default="")
    email_address: Mapped[str] = mapped_column(String(320), default="")
    first_name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    last_name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    avatar_url: Mapped[str] = mapped_column(Text, default="")
    username: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    phone_number: Mapped[str | None] = mapped_column(String(32))
    label: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    public_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    sealed_access_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_token_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    sealed_id_token: Mapped[bytes | None] = mapped_column(LargeBinary)


class TrustedDevice(InstanceScoped, Timestamped, Base):
    __tablename__ = "trusted_devices"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = _user_fk()
    platform: Mapped[str] = mapped_column(String(16))
    app_identifier: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    status: Mapped[str] = mapped_column(String(16), default="active")
    last_used_at: Mapped[int | None] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger)


class Verification(InstanceScoped, Timestamped, Base):
    """A one-time code sent to an email address or phone number (prepare/attempt verification)."""

    __tablename__ = "verifications"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    identification_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    strategy: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="unverified")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expire_at: Mapped[int] = mapped_column(BigInteger)
    code_digest: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(16))
