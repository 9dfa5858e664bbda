"""Webhook endpoints and messages as locum's API renders them.

A message is an outbox event as Svix would show it: its svix-id, and the Clerk envelope exactly as
it is delivered, with each endpoint's delivery and attempts. An event that cannot be rendered is
shown all the same, its `payload` null and its `error` saying why.
"""

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Row

from locum.db.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from locum.kit.json_types import JSON, columns
from locum.outbox.delivery import stored_envelope_body, unrenderable_event_error
from locum.outbox.isolation import RENDERING_ERRORS
from locum.outbox.signing import message_id


def webhook_endpoint_json(endpoint: WebhookEndpoint, *, event_types: list[str] | None, secret: str | None) -> JSON:
    """`event_types` and `secret` as read apart from the row: None when they cannot be read."""
    return {
        "object": "locum_webhook_endpoint",
        **columns(endpoint, "id", "url", "description", "enabled", "disabled_reason", "source"),
        "event_types": event_types,
        "secret": secret,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def deleted_webhook_endpoint_json(endpoint_id: str) -> JSON:
    return {"object": "locum_webhook_endpoint", "id": endpoint_id, "deleted": True}


def webhook_attempt_json(attempt: WebhookAttempt) -> JSON:
    return {
        **columns(attempt, "id", "attempted_at", "response_status", "response_excerpt", "error", "duration_ms"),
    }


def webhook_delivery_json(delivery: WebhookDelivery, attempts: Sequence[WebhookAttempt]) -> JSON:
    return {
        **columns(delivery, "endpoint_id", "status", "attempt_count", "next_attempt_at"),
        "attempts": [webhook_attempt_json(attempt) for attempt in attempts],
    }


def webhook_message_json(event: Row[*tuple[Any, ...]], deliveries: Sequence[JSON]) -> JSON:
    """`event`: its id, instance_id, type, created_at and error, and its data and attributes as
    stored text (isolation.json_text)."""
    payload: orjson.Fragment | None = None
    error: str | None = event.error
    try:
        # The body every endpoint receives, built by the worker's own code and embedded as it is
        # (parsed again, it could nest deeper than the writer allows once inside the list).
        payload = orjson.Fragment(
            stored_envelope_body(
                event_type=event.type,
                data=event.data,
                created_at=event.created_at,
                instance_id=event.instance_id,
                attributes=event.attributes,
            )
        )
    except RENDERING_ERRORS as exc:
        error = error or unrenderable_event_error(exc)
    return {
        "object": "locum_webhook_message",
        "id": message_id(event.id),
        "event_id": event.id,
        "event_type": event.type,
        "created_at": event.created_at,
        "payload": payload,
        "error": error,
        "deliveries": list(deliveries),
    }
