"""Messages as webhook events carry them (the webhooks spec's EmailEventPayload and SmsEventPayload)
and as locum's /locum/messages shows them."""

from typing import Any

from locum.db.models import Message
from locum.kit.json_types import JSON, columns


def email_event_json(message: Message, *, from_email_name: str, reply_to_email_name: str | None) -> JSON:
    return {
        "object": "email",
        "id": message.id,
        "slug": message.slug,
        "from_email_name": from_email_name,
        "reply_to_email_name": reply_to_email_name,
        "to_email_address": message.to_address,
        "email_address_id": message.identification_id,
        **columns(message, "user_id", "subject", "body", "body_plain", "status", "data", "delivered_by_clerk"),
    }


def sms_event_json(message: Message) -> JSON:
    return {
        "object": "sms_message",
        "id": message.id,
        "slug": message.slug,
        "from_phone_number": message.from_address,
        "to_phone_number": message.to_address,
        "phone_number_id": message.identification_id,
        "user_id": message.user_id,
        "message": message.body,
        **columns(message, "status", "data", "delivered_by_clerk"),
        # The schema requires created_at_ms; Clerk's own example payload names it created_at.
        "created_at_ms": message.created_at,
        "created_at": message.created_at,
    }


def message_json(message: Message, *, data: Any) -> JSON:
    """locum's view of a message, with the one-time code (if any) at the top for tests to read.

    `data` is the message's stored data as read apart from the row (None when it cannot be read).
    """
    otp_code = data.get("otp_code") if isinstance(data, dict) else None
    return {
        "object": "locum_message",
        **columns(
            message,
            "id",
            "kind",
            "slug",
            "subject",
            "body",
            "body_plain",
            "status",
            "delivered_by_clerk",
            "send_attempts",
            "error",
            "user_id",
            "identification_id",
        ),
        "from": message.from_address,
        "to": message.to_address,
        "otp_code": otp_code if isinstance(otp_code, str) else None,
        "data": data,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
    }
