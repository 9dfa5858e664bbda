"""Tokens minted from a JWT template: the shortcode context, the default claims, the signature.

Four reads on the bare driver: three of repository.py, and the stored user document.
"""

import secrets

import orjson

from locum.api.errors import not_found
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.instances.registry import InstanceContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.jwt_signing import TEMPLATE_TOKEN_CATEGORY
from locum.kit.sealing import Sealer
from locum.resources.jwt_templates.errors import template_not_found
from locum.resources.jwt_templates.repository import (
    TemplateRow,
    read_memberships,
    read_session_context,
    read_template,
)
from locum.resources.jwt_templates.serializers import MS_PER_SECOND, template_context
from locum.resources.jwt_templates.shortcodes import render
from locum.resources.jwt_templates.signing import custom_signing_key
from locum.resources.sessions.errors import session_not_active
from locum.resources.sessions.lifetimes import ACTIVE_STATUSES
from locum.resources.sessions.tokens import JTI_BYTES, TokenSubject
from locum.resources.users.repository import UserReads
from locum.resources.users.serializers import current_document


def template_claims(
    instance: InstanceContext, template: TemplateRow, context: JSON, subject: TokenSubject, *, lifetime: int, now: int
) -> JSON:
    """The rendered claims under Clerk's default claims, which a template cannot override."""
    issued_at = now // MS_PER_SECOND
    claims: JSON = render(template.claims, context)
    claims.update(
        exp=issued_at + lifetime,
        iat=issued_at,
        iss=instance.frontend_api_url,
        jti=secrets.token_hex(JTI_BYTES),
        nbf=issued_at - template.allowed_clock_skew,
        sub=subject.user_id,
    )
    if subject.origin:
        claims["azp"] = subject.origin
    return claims


async def mint_template_token(
    reader: Reader,
    ctx: RequestContext,
    *,
    sealer: Sealer,
    session_id: str,
    template_name: str,
    expires_in_seconds: int | None,
) -> str:
    now = now_ms()
    session = await read_session_context(reader, instance_id=ctx.instance_id, session_id=session_id, now=now)
    if session is None:
        raise not_found("session")
    if session.subject.status not in ACTIVE_STATUSES:
        raise session_not_active(session_id)
    template = await read_template(reader, instance_id=ctx.instance_id, name=template_name)
    if template is None:
        raise template_not_found()
    user_id = session.subject.user_id
    row = await UserReads(reader, ctx.instance_id).document(user_id)
    if row is None:
        raise not_found("session")
    document = current_document(ctx.origin, *row)
    memberships = await read_memberships(reader, instance_id=ctx.instance_id, user_id=user_id)
    context = template_context(orjson.loads(document), memberships, session, ctx.origin)
    claims = template_claims(
        ctx.instance, template, context, session.subject, lifetime=expires_in_seconds or template.lifetime, now=now
    )
    if template.sealed_signing_key is None:
        return await ctx.instance.active_signing_key.sign(claims, category=TEMPLATE_TOKEN_CATEGORY)
    key = custom_signing_key(
        sealer,
        template_id=template.id,
        updated_at=template.updated_at,
        algorithm=template.signing_algorithm,
        sealed_key=template.sealed_signing_key,
    )
    return await key.sign(claims)
