"""Instance invitations, the sign-ups that accept them, and the waitlist.

An invitation's ticket (the secret in its URL) is shown once, when the invitation is made, so only
its SHA-256 digest is kept and an acceptance finds the invitation by it. An email address has at
most one pending invitation in an instance: a partial unique index, so two concurrent creations
cannot both succeed. Expiry is computed on read (a pending row past `expires_at` reads as expired).
"""

from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped
from locum.db.types import JsonDocument

TICKET_DIGEST_LENGTH = 64
EMAIL_LENGTH = 320


class Invitation(InstanceScoped, Timestamped, Base):
    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("instance_id", "ticket_digest"),
        Index(None, "instance_id", "created_at"),
        Index(None, "instance_id", "status", "created_at"),
        Index(None, "instance_id", "expires_at"),
        Index(None, "instance_id", "email_address_normalized"),
        Index(
            "uq_invitations_pending_email",
            "instance_id",
            "email_address_normalized",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    email_address: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    email_address_normalized: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    public_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    redirect_url: Mapped[str | None] = mapped_column(Text)
    template_slug: Mapped[str] = mapped_column(String(32))
    ticket_digest: Mapped[str] = mapped_column(String(TICKET_DIGEST_LENGTH))
    # pending, accepted, revoked, or expired (stored only when a newer invitation replaces an expired one)
    status: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[int | None] = mapped_column(BigInteger)
    accepted_user_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class WaitlistEntry(InstanceScoped, Timestamped, Base):
    __tablename__ = "waitlist_entries"
    __table_args__ = (
        UniqueConstraint("instance_id", "email_address_normalized"),
        Index(None, "instance_id", "created_at"),
        Index(None, "instance_id", "status", "created_at"),
        Index(None, "instance_id", "invited_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    email_address: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    email_address_normalized: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    # pending, invited, rejected, completed
    status: Mapped[str] = mapped_column(String(16))
    invitation_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    invited_at: Mapped[int | None] = mapped_column(BigInteger)


class SignUp(InstanceScoped, Timestamped, Base):
    """A completed sign-up attempt (Clerk's `sign_up_attempt`), as accepting an invitation makes one."""

    __tablename__ = "sign_ups"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    email_address: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    username: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    password_enabled: Mapped[bool] = mapped_column(Boolean)
    public_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    unsafe_metadata: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    custom_action: Mapped[bool] = mapped_column(Boolean, default=False)
    external_id: Mapped[str | None] = mapped_column(Text)
    invitation_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    created_user_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_session_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    abandon_at: Mapped[int] = mapped_column(BigInteger)
