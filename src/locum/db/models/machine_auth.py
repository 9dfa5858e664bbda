"""Machine authentication: machines and their keys and scopes, M2M tokens, API keys, OAuth
applications and their access tokens, agent tasks and admin portal link tokens.

Every secret is found by its SHA-256 digest (`*_digest`, unique per instance) and compared in
constant time. A secret an operation shows again (a machine's key, an API key's secret, an opaque
M2M token handed back by `min_remaining_ttl_seconds`) is also sealed with the master key; one shown
only when it is made (OAuth client secrets and tokens, agent task and admin portal tickets) is
kept as its digest alone.
"""

from typing import Any

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped
from locum.db.types import JsonDocument

DIGEST_LENGTH = 64


class Machine(InstanceScoped, Timestamped, Base):
    __tablename__ = "machines"
    __table_args__ = (Index(None, "instance_id", "created_at"), Index(None, "instance_id", "name"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    default_token_ttl: Mapped[int] = mapped_column(Integer)


class MachineSecretKey(InstanceScoped, Base):
    """A machine's key: the current one has no `expires_at`; a rotated-out one keeps working until it."""

    __tablename__ = "machine_secret_keys"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    machine_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("machines.id", ondelete="CASCADE"), index=True
    )
    # Unique across instances: a machine's key names its instance, as a secret key does.
    secret_digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)


class MachineScope(InstanceScoped, Base):
    """`from_machine_id` may talk to `to_machine_id`: its new tokens carry that machine in `scopes`."""

    __tablename__ = "machine_scopes"

    from_machine_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("machines.id", ondelete="CASCADE"), primary_key=True
    )
    to_machine_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("machines.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[int] = mapped_column(BigInteger)


class M2MToken(InstanceScoped, Timestamped, Base):
    """An opaque machine-to-machine token (JWT-format ones are never stored). `scopes` is the
    machines the subject could reach when the token was made: later scope changes leave it be."""

    __tablename__ = "m2m_tokens"
    __table_args__ = (
        UniqueConstraint("instance_id", "token_digest"),
        Index(None, "machine_id", "instance_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    machine_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("machines.id", ondelete="CASCADE"))
    token_digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    sealed_token: Mapped[bytes] = mapped_column(LargeBinary)
    claims: Mapped[Any | None] = mapped_column(JsonDocument)
    scopes: Mapped[list[str]] = mapped_column(JsonDocument)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    expiration: Mapped[int | None] = mapped_column(BigInteger)
    last_used_at: Mapped[int | None] = mapped_column(BigInteger)


class ApiKey(InstanceScoped, Timestamped, Base):
    """An API key for a user, organization or machine (`subject`); its secret is revealed again by
    GET /api_keys/{id}/secret, so it is sealed beside its digest. A subject's unrevoked keys have
    distinct names (Clerk answers a duplicate 409 `api_key_name_already_exists`); revoking one
    frees its name."""

    __tablename__ = "api_keys"
    __table_args__ = (
        UniqueConstraint("instance_id", "secret_digest"),
        Index(None, "instance_id", "subject", "type", "created_at"),
        Index(
            None,
            "instance_id",
            "subject",
            "name",
            unique=True,
            sqlite_where=text("NOT revoked"),
            postgresql_where=text("NOT revoked"),
        ),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    type: Mapped[str] = mapped_column(String(25))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(ID_LENGTH))
    claims: Mapped[Any | None] = mapped_column(JsonDocument)
    scopes: Mapped[list[str]] = mapped_column(JsonDocument)
    secret_digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    expiration: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    last_used_at: Mapped[int | None] = mapped_column(BigInteger)


class OAuthApplication(InstanceScoped, Timestamped, Base):
    __tablename__ = "oauth_applications"
    __table_args__ = (
        UniqueConstraint("instance_id", "client_id"),
        Index(None, "instance_id", "created_at"),
        Index(None, "instance_id", "name"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    client_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # Null for a public application (it has no secret).
    client_secret_digest: Mapped[str | None] = mapped_column(String(DIGEST_LENGTH))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    scopes: Mapped[str] = mapped_column(String(1024))
    redirect_uris: Mapped[list[str]] = mapped_column(JsonDocument)
    consent_screen_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    pkce_required: Mapped[bool] = mapped_column(Boolean, default=False)
    client_uri: Mapped[str | None] = mapped_column(Text)
    image_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))


class OAuthAccessToken(InstanceScoped, Timestamped, Base):
    """An opaque access token (`oat_…`) a user granted an application, and the grant's refresh token."""

    __tablename__ = "oauth_access_tokens"
    __table_args__ = (
        UniqueConstraint("instance_id", "token_digest"),
        UniqueConstraint("instance_id", "refresh_token_digest"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("oauth_applications.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[list[str]] = mapped_column(JsonDocument)
    token_digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    refresh_token_digest: Mapped[str | None] = mapped_column(String(DIGEST_LENGTH))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    expiration: Mapped[int | None] = mapped_column(BigInteger)


class AgentTask(InstanceScoped, Timestamped, Base):
    """A single-use ticket that signs its user in for an agent (resources/frontend/tickets.py)."""

    __tablename__ = "agent_tasks"
    __table_args__ = (UniqueConstraint("instance_id", "token_digest"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    agent_name: Mapped[str] = mapped_column(String(255))
    task_description: Mapped[str] = mapped_column(Text)
    permissions: Mapped[str] = mapped_column(String(16))
    redirect_url: Mapped[str] = mapped_column(Text)
    session_max_duration_seconds: Mapped[int] = mapped_column(Integer)
    token_digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    expires_at: Mapped[int] = mapped_column(BigInteger)


class AdminPortalLinkToken(InstanceScoped, Timestamped, Base):
    __tablename__ = "admin_portal_link_tokens"
    __table_args__ = (
        UniqueConstraint("instance_id", "token_digest"),
        Index(None, "organization_id", "instance_id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    admin_portal_link_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    organization_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("organizations.id", ondelete="CASCADE")
    )
    it_contact_id: Mapped[str | None] = mapped_column(String(255))
    scopes: Mapped[list[str] | None] = mapped_column(JsonDocument)
    token_digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    expiration: Mapped[int | None] = mapped_column(BigInteger)
