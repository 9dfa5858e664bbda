from typing import Any

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from locum.db.base import ID_LENGTH, Base, InstanceScoped
from locum.db.types import JsonDocument
from locum.kit.clock import now_ms


class Event(InstanceScoped, Base):
    """Outbox row: a Clerk webhook event recorded in the transaction of the change it reports."""

    __tablename__ = "events"
    __table_args__ = (
        Index(None, "instance_id", "created_at"),
        # The worker's queue of events not yet fanned out to webhook endpoints.
        Index(None, "dispatched_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    # Clerk's `event_attributes` (the HTTP request that caused the event: client_ip, user_agent).
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    # When the worker fanned it out to the endpoints (null: not yet); its created_at if no endpoint
    # wanted it when it was recorded (set by the database: outbox/dispatch.py, migration 0018).
    dispatched_at: Mapped[int | None] = mapped_column(BigInteger)
    # Why it failed for every endpoint (it could not be rendered or fanned out); null otherwise.
    error: Mapped[str | None] = mapped_column(Text)
