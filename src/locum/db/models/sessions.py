"""Clients, sessions, and the tokens that start or shape them (actor, sign-in, JWT templates).

Secrets locum shows again (client rotating tokens, refresh tokens, custom signing keys) are sealed
with the master key; single-use tickets (actor and sign-in tokens) are shown once, at creation, so
only their SHA-256 digest is kept, and a ticket is found by it.
"""

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped
from locum.db.types import JsonDocument

TOKEN_DIGEST_LENGTH = 64


class Client(InstanceScoped, Timestamped, Base):
    """A browser or device: Clerk's `__client` cookie names it and its rotating token (sealed: a
    session's client token is handed out again by /locum/sessions/{id}/frontend_credentials)."""

    __tablename__ = "clients"
    __table_args__ = (Index(None, "instance_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    sealed_rotating_token: Mapped[bytes] = mapped_column(LargeBinary)
    last_active_session_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    last_authentication_strategy: Mapped[str | None] = mapped_column(String(64))


class Session(InstanceScoped, Timestamped, Base):
    """A signed-in user on a client.

    `status` stores what a request decided (active, revoked, ended, removed, …); `expired` and
    `abandoned` follow from `expire_at`/`abandon_at` and the clock, so they are computed on read.
    """

    __tablename__ = "sessions"
    __table_args__ = (
        Index(None, "instance_id", "created_at"),
        Index(None, "user_id", "instance_id", "created_at"),
        Index(None, "client_id", "instance_id", "created_at"),
        Index(None, "instance_id", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("clients.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    actor: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    last_active_organization_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    origin: Mapped[str | None] = mapped_column(Text)
    last_active_at: Mapped[int] = mapped_column(BigInteger)
    expire_at: Mapped[int] = mapped_column(BigInteger)
    abandon_at: Mapped[int] = mapped_column(BigInteger)
    first_factor_verified_at: Mapped[int] = mapped_column(BigInteger)
    second_factor_verified_at: Mapped[int | None] = mapped_column(BigInteger)
    sealed_refresh_token: Mapped[bytes] = mapped_column(LargeBinary)


class ActorToken(InstanceScoped, Timestamped, Base):
    __tablename__ = "actor_tokens"
    __table_args__ = (UniqueConstraint("instance_id", "token_digest"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    actor: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    token_digest: Mapped[str] = mapped_column(String(TOKEN_DIGEST_LENGTH))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    expires_at: Mapped[int] = mapped_column(BigInteger)
    session_max_duration_seconds: Mapped[int] = mapped_column(Integer)


class SignInToken(InstanceScoped, Timestamped, Base):
    __tablename__ = "sign_in_tokens"
    __table_args__ = (UniqueConstraint("instance_id", "token_digest"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    token_digest: Mapped[str] = mapped_column(String(TOKEN_DIGEST_LENGTH))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    expires_at: Mapped[int] = mapped_column(BigInteger)


class JwtTemplate(InstanceScoped, Timestamped, Base):
    __tablename__ = "jwt_templates"
    __table_args__ = (UniqueConstraint("instance_id", "name"), Index(None, "instance_id", "created_at"))

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    claims: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    lifetime: Mapped[int] = mapped_column(Integer, default=60)
    allowed_clock_skew: Mapped[int] = mapped_column(Integer, default=5)
    signing_algorithm: Mapped[str] = mapped_column(String(16), default="RS256")
    sealed_signing_key: Mapped[bytes | None] = mapped_column(LargeBinary)
