"""Emails and SMS messages Clerk would send, rendered from their templates, and the templates."""

from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped
from locum.db.types import JsonDocument


class Message(InstanceScoped, Timestamped, Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index(None, "instance_id", "created_at"),
        # The SMTP sender's queue: emails still to send, oldest first.
        Index(None, "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "email" or "sms"
    slug: Mapped[str] = mapped_column(String(64))
    from_address: Mapped[str] = mapped_column(Text)
    to_address: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    body_plain: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    identification_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # queued (to be sent by locum), sending (claimed by an SMTP sender), sent, failed, or
    # delivered_elsewhere (delivered_by_clerk=false: locum only records it)
    status: Mapped[str] = mapped_column(String(24), default="queued")
    delivered_by_clerk: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    send_attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class Template(InstanceScoped, Timestamped, Base):
    """An instance's override of one of Clerk's email or SMS templates (the defaults live in code)."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("instance_id", "template_type", "slug"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    template_type: Mapped[str] = mapped_column(String(8))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(Text)
    markup: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    from_email_name: Mapped[str | None] = mapped_column(String(255))
    reply_to_email_name: Mapped[str | None] = mapped_column(String(255))
    delivered_by_clerk: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
