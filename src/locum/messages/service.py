"""Every email and SMS Clerk would send becomes a message: rendered from the instance's template,
recorded, and announced as `email.created` / `sms.created` in the same transaction.

    delivered_by_clerk --> queued --(SMTP sender, emails only)--> sending --> sent
                                                                      '--> queued (retry) ... --> failed
    delivered_by_clerk=false --> delivered_elsewhere   (locum sends nothing: the app delivers it
                                                        from the webhook event, as with Clerk)

Emails wait in `queued` until the SMTP sender (locum.messages.smtp) sends them, which it does only
when LOCUM_SMTP_URL is set; without it they stay queued and are read at /locum/messages. locum has
no SMS gateway: SMS messages stay queued. Clerk's test mode (locum.messages.test_mode) records and
announces nothing at all.
"""

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.tracing import current_http_request
from locum.db.models import Instance, Message
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.messages.catalogue import TemplateType
from locum.messages.plain_text import html_to_text
from locum.messages.rendering import compile_template
from locum.messages.serializers import email_event_json, sms_event_json
from locum.messages.templates import EffectiveTemplate, app_variables, effective_template, from_email_address
from locum.messages.test_mode import is_test_recipient
from locum.outbox.events import record_for

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
DELIVERED_ELSEWHERE = "delivered_elsewhere"
# The number SMS messages come from: a fictional one (555-01XX is reserved for fiction).
SMS_FROM_NUMBER = "+15555550100"
_WHITESPACE = re.compile(r"\s+")


def request_variables(at_ms: int) -> dict[str, str]:
    """`requested_at` as Clerk words it ("30 August 2022, 12:14 UTC") and `requested_by`: the user
    agent of the request that caused the message."""
    at = datetime.fromtimestamp(at_ms / 1000, UTC)
    http_request = current_http_request() or {}
    return {
        "requested_at": f"{at.day} {at:%B %Y, %H:%M} UTC",
        "requested_by": http_request.get("user_agent", ""),
    }


async def send_email(
    session: AsyncSession,
    *,
    instance_id: str,
    slug: str,
    to_address: str,
    variables: dict[str, Any],
    user_id: str | None = None,
    identification_id: str | None = None,
) -> Message | None:
    """Records the email `slug` to `to_address` and its `email.created` event; None when nothing
    is sent (a test-mode address, or a template the instance disabled)."""
    prepared = await _prepare(session, "email", instance_id=instance_id, slug=slug, to_address=to_address)
    if prepared is None:
        return None
    instance, template = prepared
    context = {**app_variables(instance), **variables}
    subject = compile_template(template.subject or "").render(context, escape=False)
    body = compile_template(template.body).render(context, escape=True)
    message = _message(
        "email",
        instance_id=instance_id,
        template=template,
        from_address=from_email_address(instance, template.from_email_name),
        to_address=to_address,
        # A subject is one header line, whatever the variables hold.
        subject=_WHITESPACE.sub(" ", subject).strip(),
        body=body,
        body_plain=html_to_text(body),
        context=context,
        user_id=user_id,
        identification_id=identification_id,
    )
    session.add(message)
    data = email_event_json(
        message, from_email_name=template.from_email_name, reply_to_email_name=template.reply_to_email_name
    )
    record_for(session, instance_id=instance_id, type="email.created", data=data)
    return message


async def send_sms(
    session: AsyncSession,
    *,
    instance_id: str,
    slug: str,
    to_address: str,
    variables: dict[str, Any],
    user_id: str | None = None,
    identification_id: str | None = None,
) -> Message | None:
    """Records the SMS `slug` to the number `to_address` and its `sms.created` event; None when
    nothing is sent (as for send_email)."""
    prepared = await _prepare(session, "sms", instance_id=instance_id, slug=slug, to_address=to_address)
    if prepared is None:
        return None
    instance, template = prepared
    context = {**app_variables(instance), **variables}
    message = _message(
        "sms",
        instance_id=instance_id,
        template=template,
        from_address=SMS_FROM_NUMBER,
        to_address=to_address,
        subject=None,
        body=compile_template(template.body).render(context, escape=False),
        body_plain=None,
        context=context,
        user_id=user_id,
        identification_id=identification_id,
    )
    session.add(message)
    record_for(session, instance_id=instance_id, type="sms.created", data=sms_event_json(message))
    return message


async def _prepare(
    session: AsyncSession, kind: TemplateType, *, instance_id: str, slug: str, to_address: str
) -> tuple[Instance, EffectiveTemplate] | None:
    instance = await session.get_one(Instance, instance_id)
    if is_test_recipient(instance, kind, to_address):
        return None
    template = await effective_template(session, instance_id=instance_id, template_type=kind, slug=slug)
    return (instance, template) if template.enabled else None


def _message(
    kind: TemplateType,
    *,
    instance_id: str,
    template: EffectiveTemplate,
    from_address: str,
    to_address: str,
    subject: str | None,
    body: str,
    body_plain: str | None,
    context: dict[str, Any],
    user_id: str | None,
    identification_id: str | None,
) -> Message:
    at_ms = now_ms()
    return Message(
        id=new_id(kind),
        instance_id=instance_id,
        kind=kind,
        slug=template.slug,
        from_address=from_address,
        to_address=to_address,
        subject=subject,
        body=body,
        body_plain=body_plain,
        user_id=user_id,
        identification_id=identification_id,
        status=QUEUED if template.delivered_by_clerk else DELIVERED_ELSEWHERE,
        delivered_by_clerk=template.delivered_by_clerk,
        data=context,
        send_attempts=0,
        created_at=at_ms,
        updated_at=at_ms,
    )
