"""Messages as webhook events carry them (the webhooks spec's EmailEventPayload and SmsEventPayload)
and as locum's /locum/messages shows them."""

from typing import Any

from locum.db.models import Message
from locum.kit.json_types import JSON


def email_event_json(message: Message, *, from_email_name: str, reply_to_email_name: str | None) -> JSON:
    return {
        "object": "email",
        "id": message.id,
        "slug": message.slug,
        "from_email_name": from_email_name,
        "reply_to_email_name": reply_to_email_name,
        "to_email_address": message.to_address,
        "email_address_id": message.identification_id,
        "user_id": message.user_id,
        "subject": message.subject,
        "body": message.body,
        "body_plain": message.body_plain,
        "status": message.status,
        "data": message.data,
        "delivered_by_clerk": message.delivered_by_clerk,
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
        "status": message.status,
        "data": message.data,
        "delivered_by_clerk": message.delivered_by_clerk,
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
        "id": message.id,
        "kind": message.kind,
        "slug": message.slug,
        "from": message.from_address,
        "to": message.to_address,
        "subject": message.subject,
        "body": message.body,
        "body_plain": message.body_plain,
        "otp_code": otp_code if isinstance(otp_code, str) else None,
        "status": message.status,
        "delivered_by_clerk": message.delivered_by_clerk,
        "send_attempts": message.send_attempts,
        "error": message.error,
        "user_id": message.user_id,
        "identification_id": message.identification_id,
        "data": data,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
    }
