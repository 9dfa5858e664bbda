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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Instance, Message
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.messages.catalogue import TemplateType
from locum.messages.plain_text import html_to_text
from locum.messages.rendering import compile_template
from locum.messages.serializers import email_event_json, sms_event_json
from locum.messages.templates import EffectiveTemplate, app_variables, effective_template, from_email_address
from locum.messages.test_mode import is_test_recipient
from locum.outbox.events import record

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
DELIVERED_ELSEWHERE = "delivered_elsewhere"
# The number SMS messages come from: a fictional one (555-01XX is reserved for fiction).
SMS_FROM_NUMBER = "+15555550100"
_WHITESPACE = re.compile(r"\s+")


def request_variables(ctx: RequestContext, at_ms: int) -> dict[str, str]:
    """`requested_at` as Clerk words it ("30 August 2022, 12:14 UTC") and `requested_by`: the user
    agent of the request that caused the message."""
    at = datetime.fromtimestamp(at_ms / 1000, UTC)
    http_request = ctx.http_request or {}
    return {
        "requested_at": f"{at.day} {at:%B %Y, %H:%M} UTC",
        "requested_by": http_request.get("user_agent", ""),
    }


@dataclass(frozen=True)
class _Rendered:
    from_address: str
    subject: str | None
    body: str
    body_plain: str | None


def _render(kind: TemplateType, instance: Instance, template: EffectiveTemplate, context: dict[str, Any]) -> _Rendered:
    if kind == "sms":
        return _Rendered(SMS_FROM_NUMBER, None, compile_template(template.body).render(context, escape=False), None)
    subject = compile_template(template.subject or "").render(context, escape=False)
    body = compile_template(template.body).render(context, escape=True)
    return _Rendered(
        from_email_address(instance, template.from_email_name),
        # A subject is one header line, whatever the variables hold.
        _WHITESPACE.sub(" ", subject).strip(),
        body,
        html_to_text(body),
    )


async def send_message(
    session: AsyncSession,
    ctx: RequestContext,
    kind: TemplateType,
    *,
    slug: str,
    to_address: str,
    variables: dict[str, Any],
    user_id: str | None = None,
    identification_id: str | None = None,
) -> Message | None:
    """Records the email or SMS `slug` to `to_address` and its `email.created` / `sms.created`
    event; None when nothing is sent (a test-mode recipient, or a template the instance disabled)."""
    instance = await session.get_one(Instance, ctx.instance_id)
    if await is_test_recipient(session, ctx, kind, to_address):
        return None
    template = await effective_template(session, instance_id=ctx.instance_id, template_type=kind, slug=slug)
    if not template.enabled:
        return None
    context = {**app_variables(instance), **variables}
    rendered = _render(kind, instance, template, context)
    at_ms = now_ms()
    message = Message(
        id=new_id(kind),
        instance_id=ctx.instance_id,
        kind=kind,
        slug=template.slug,
        from_address=rendered.from_address,
        to_address=to_address,
        subject=rendered.subject,
        body=rendered.body,
        body_plain=rendered.body_plain,
        user_id=user_id,
        identification_id=identification_id,
        status=QUEUED if template.delivered_by_clerk else DELIVERED_ELSEWHERE,
        delivered_by_clerk=template.delivered_by_clerk,
        data=context,
        send_attempts=0,
        created_at=at_ms,
        updated_at=at_ms,
    )
    session.add(message)
    if kind == "email":
        data = email_event_json(
            message, from_email_name=template.from_email_name, reply_to_email_name=template.reply_to_email_name
        )
        record(session, ctx, "email.created", data)
    else:
        record(session, ctx, "sms.created", sms_event_json(message))
    return message
