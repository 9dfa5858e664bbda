"""Webhook endpoints and the deliveries of outbox events to them, with every attempt recorded.

One delivery row per (event, endpoint): the worker fans new events out to the endpoints whose
filter they pass, then sends each delivery on Svix's retry schedule. The svix-id of a delivery is
derived from its event, so every endpoint (and every retry) sees the same message id.
"""

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped, Timestamped
from locum.db.types import JsonDocument


class WebhookEndpoint(InstanceScoped, Timestamped, Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index(None, "instance_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    # The `whsec_…` signing secret, sealed with the master key (it is shown again on request).
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    # Event types delivered to this endpoint; empty means every type.
    event_types: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(32))
    # Where it came from: "api"/"cli" (locum's own endpoints) or "environment" (LOCUM_WEBHOOK_URL).
    source: Mapped[str] = mapped_column(String(16), default="api")


class WebhookDelivery(InstanceScoped, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        # The worker's queue: due deliveries, oldest first.
        Index(None, "status", "next_attempt_at"),
        Index(None, "endpoint_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("events.id", ondelete="CASCADE"))
    endpoint_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    # pending (due at next_attempt_at), succeeded, failed (schedule exhausted or endpoint disabled)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[int | None] = mapped_column(BigInteger)
    # A worker holding the delivery until this time; another worker may take it after (a crash).
    leased_until: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class WebhookAttempt(InstanceScoped, Base):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index(None, "delivery_id", "attempted_at"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    attempted_at: Mapped[int] = mapped_column(BigInteger)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
