"""Email & SMS Templates rules: list, get, upsert, revert, preview and toggle delivery.

Templates are addressed by type (`email` or `sms`; anything else is 400) and by the slug of one of
Clerk's system templates (locum.messages.catalogue; any other slug is 404). Upsert and toggle write
the instance's override, starting from what the instance sees now; revert deletes it (reverting a
template that has no override changes nothing and answers the system template). Overrides are
written with the instance row locked, so two first writes of one template can't both insert.

A body must keep the template's required variables (`{{otp_code}}`, …) and be a template locum can
render (rendering.py); otherwise 422. Subject and sender names belong to email templates only.
"""

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import ClerkError, form_param_format_invalid, form_param_value_invalid
from locum.api.pagination import ListBody, PaginatedQuery, list_body
from locum.db.constraints import flush
from locum.db.models import Template
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.messages.catalogue import SYSTEM_TEMPLATES, TEMPLATE_TYPES, TemplateType, system_templates
from locum.messages.rendering import CompiledTemplate, TemplateSyntaxError, compile_template
from locum.messages.service import request_variables
from locum.messages.templates import EffectiveTemplate, app_variables, from_email_address, get_override
from locum.resources.templates.errors import template_not_found, unknown_template_type
from locum.resources.templates.repository import TemplateRepository
from locum.resources.templates.schemas import PreviewTemplateBody, ToggleTemplateDeliveryBody, UpsertTemplateBody
from locum.resources.templates.serializers import template_json

_LOCAL_PART = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9])?")
EMAIL_ONLY_FIELDS = ("subject", "from_email_name", "reply_to_email_name")


def template_type_or_raise(template_type: str) -> TemplateType:
    for known in TEMPLATE_TYPES:
        if template_type == known:
            return known
    raise unknown_template_type()


async def _effective_or_raise(
    session: AsyncSession, ctx: RequestContext, template_type: str, slug: str
) -> EffectiveTemplate:
    known_type = template_type_or_raise(template_type)
    system = SYSTEM_TEMPLATES.get((known_type, slug))
    if system is None:
        raise template_not_found()
    override = await get_override(session, instance_id=ctx.instance_id, template_type=known_type, slug=slug)
    return EffectiveTemplate(system, override)


async def _locked_effective_or_raise(
    session: AsyncSession, ctx: RequestContext, template_type: str, slug: str
) -> EffectiveTemplate:
    """The template for a change, read under the instance's lock."""
    await TemplateRepository(session, ctx.instance_id).lock_instance()
    return await _effective_or_raise(session, ctx, template_type, slug)


async def list_templates(
    session: AsyncSession, ctx: RequestContext, *, template_type: str, query: PaginatedQuery
) -> ListBody:
    """The page in Clerk's order (position): a bare array as the spec shows; with paginated=true
    Clerk's SDKs expect {data, total_count}."""
    known_type = template_type_or_raise(template_type)
    overrides = await TemplateRepository(session, ctx.instance_id).overrides(known_type)
    systems = system_templates(known_type)
    page = systems[query.offset : query.offset + query.limit]
    templates = [template_json(EffectiveTemplate(system, overrides.get(system.slug))) for system in page]
    return list_body(templates, len(systems) if query.paginated else None)


async def get_template(session: AsyncSession, ctx: RequestContext, *, template_type: str, slug: str) -> JSON:
    return template_json(await _effective_or_raise(session, ctx, template_type, slug))


def _compiled(param: str, source: str) -> CompiledTemplate:
    try:
        return compile_template(source)
    except TemplateSyntaxError as exc:
        raise form_param_value_invalid(param, f"{param} is not a valid template: {exc}.") from None


def _check_email_only(template_type: TemplateType, fields: dict[str, Any]) -> None:
    if template_type == "email":
        return
    for name in EMAIL_ONLY_FIELDS:
        if fields.get(name) is not None:
            raise form_param_value_invalid(name, f"{name} applies to email templates only.")


def _check_sender(name: str, value: str | None, *, allow_empty: bool) -> None:
    if value is None or (allow_empty and value == ""):
        return
    if not _LOCAL_PART.fullmatch(value):
        raise form_param_format_invalid(name, f"{name} must be the local part of an email address, like 'hello'.")


def _missing_required(template: EffectiveTemplate, body: CompiledTemplate) -> ClerkError | None:
    missing = [name for name in template.system.required_variables if name not in body.variables]
    if not missing:
        return None
    variables = ", ".join(f"{{{{{name}}}}}" for name in missing)
    return form_param_value_invalid("body", f"body must contain the required variables: {variables}.")


def _writable(
    session: AsyncSession, ctx: RequestContext, current: EffectiveTemplate
) -> tuple[EffectiveTemplate, Template]:
    """The template and its override; without one, a new override holding what the instance sees now."""
    if current.override is not None:
        return current, current.override
    override = TemplateRepository(session, ctx.instance_id).add(
        template_type=current.template_type,
        slug=current.slug,
        name=current.name,
        subject=current.subject,
        markup=current.markup,
        body=current.body,
        from_email_name=current.from_email_name if current.template_type == "email" else None,
        reply_to_email_name=current.reply_to_email_name,
        delivered_by_clerk=current.delivered_by_clerk,
        enabled=current.enabled,
    )
    return EffectiveTemplate(current.system, override), override


async def upsert_template(
    session: AsyncSession, ctx: RequestContext, *, template_type: str, slug: str, body: UpsertTemplateBody
) -> JSON:
    current = await _locked_effective_or_raise(session, ctx, template_type, slug)
    fields = body.model_dump(exclude_unset=True)
    _check_email_only(current.template_type, fields)
    _check_sender("from_email_name", body.from_email_name, allow_empty=False)
    _check_sender("reply_to_email_name", body.reply_to_email_name, allow_empty=True)
    if body.subject is not None:
        _compiled("subject", body.subject)
    if body.body is not None:
        problem = _missing_required(current, _compiled("body", body.body))
        if problem is not None:
            raise problem
    template, override = _writable(session, ctx, current)
    if body.name is not None:
        override.name = body.name
    if body.subject is not None:
        override.subject = body.subject
    if body.body is not None and body.body != override.body:
        override.body = body.body
        # Markup generates a body; a body written directly has none unless it comes along.
        override.markup = body.markup or ""
    elif "markup" in fields:
        override.markup = body.markup or ""
    if body.delivered_by_clerk is not None:
        override.delivered_by_clerk = body.delivered_by_clerk
    if body.from_email_name is not None:
        override.from_email_name = body.from_email_name
    if body.reply_to_email_name is not None:
        override.reply_to_email_name = body.reply_to_email_name or None
    override.updated_at = now_ms()
    await flush(session)
    return template_json(template)


async def revert_template(session: AsyncSession, ctx: RequestContext, *, template_type: str, slug: str) -> JSON:
    template = await _locked_effective_or_raise(session, ctx, template_type, slug)
    if template.override is not None:
        await session.delete(template.override)
        await flush(session)
    return template_json(EffectiveTemplate(template.system, None))


async def toggle_delivery(
    session: AsyncSession, ctx: RequestContext, *, template_type: str, slug: str, body: ToggleTemplateDeliveryBody
) -> JSON:
    current = await _locked_effective_or_raise(session, ctx, template_type, slug)
    template, override = _writable(session, ctx, current)
    if override.delivered_by_clerk != body.delivered_by_clerk:
        override.delivered_by_clerk = body.delivered_by_clerk
        override.updated_at = now_ms()
    await flush(session)
    return template_json(template)


async def preview_template(
    session: AsyncSession, ctx: RequestContext, *, template_type: str, slug: str, body: PreviewTemplateBody
) -> JSON:
    """The template (with the body's changes) rendered with sample values for its variables."""
    template = await _effective_or_raise(session, ctx, template_type, slug)
    _check_email_only(template.template_type, body.model_dump(exclude_unset=True))
    _check_sender("from_email_name", body.from_email_name, allow_empty=False)
    _check_sender("reply_to_email_name", body.reply_to_email_name, allow_empty=True)
    instance = await TemplateRepository(session, ctx.instance_id).instance()
    variables = {**app_variables(instance), **request_variables(ctx, now_ms()), **template.system.sample}
    source = body.body if body.body is not None else template.body
    if template.template_type == "sms":
        return {"body": _compiled("body", source).render(variables, escape=False)}
    subject = body.subject if body.subject is not None else template.subject or ""
    preview: JSON = {
        "subject": _compiled("subject", subject).render(variables, escape=False),
        "body": _compiled("body", source).render(variables, escape=True),
        "from_email_address": from_email_address(instance, body.from_email_name or template.from_email_name),
    }
    reply_to = body.reply_to_email_name if body.reply_to_email_name is not None else template.reply_to_email_name
    if reply_to:
        preview["reply_to_email_address"] = from_email_address(instance, reply_to)
    return preview
