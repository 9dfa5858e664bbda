"""JWT template rules: reserved claims, lifetimes, the signing configuration, unique names.

A template signs with the instance's key (RS256, the JWKS `kid`) unless it has a custom key: one
of CUSTOM_ALGORITHMS and a key that fits it, stored sealed and never shown again. A duplicate name
is caught by the (instance_id, name) unique constraint and answered as form_identifier_exists.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_missing, form_param_value_invalid
from locum.api.pagination import ListBody, PaginatedQuery, list_body
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import JwtTemplate
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.jwt_signing import SESSION_TOKEN_ALGORITHM
from locum.kit.sealing import Sealer
from locum.resources.jwt_templates.errors import jwt_template_reserved_claim
from locum.resources.jwt_templates.repository import JwtTemplateRepository
from locum.resources.jwt_templates.schemas import JWTTemplateBody
from locum.resources.jwt_templates.serializers import deleted_jwt_template_json, jwt_template_json, token_json
from locum.resources.jwt_templates.signing import CUSTOM_ALGORITHMS, InvalidSigningKey, parse_signing_key
from locum.resources.jwt_templates.tokens import mint_template_token
from locum.resources.sessions.schemas import CreateSessionTokenBody

DEFAULT_LIFETIME_SECONDS = 60
DEFAULT_ALLOWED_CLOCK_SKEW_SECONDS = 5
# Claims every template token carries and a template may not set (Clerk's "default claims").
RESERVED_CLAIMS = frozenset({"azp", "exp", "iat", "iss", "jti", "nbf", "sub"})


def _check_claims(claims: dict[str, Any]) -> None:
    reserved = next((claim for claim in claims if claim in RESERVED_CLAIMS), None)
    if reserved is not None:
        raise jwt_template_reserved_claim(reserved)


def _custom_key(sealer: Sealer, body: JWTTemplateBody) -> tuple[str, bytes]:
    """(algorithm, sealed key) of a custom_signing_key=true body."""
    if body.signing_algorithm is None:
        raise form_param_missing("signing_algorithm")
    if body.signing_key is None:
        raise form_param_missing("signing_key")
    if body.signing_algorithm not in CUSTOM_ALGORITHMS:
        raise form_param_value_invalid(
            "signing_algorithm", f"signing_algorithm must be one of {', '.join(CUSTOM_ALGORITHMS)}."
        )
    try:
        parse_signing_key(body.signing_algorithm, body.signing_key)
    except InvalidSigningKey as exc:
        raise form_param_value_invalid("signing_key", str(exc)) from None
    return body.signing_algorithm, sealer.seal(body.signing_key)


def _apply_signing(template: JwtTemplate, sealer: Sealer, body: JWTTemplateBody) -> None:
    if body.custom_signing_key:
        template.signing_algorithm, template.sealed_signing_key = _custom_key(sealer, body)
    else:
        # Signed with the instance's active key, whose algorithm the JWKS publishes.
        template.signing_algorithm, template.sealed_signing_key = SESSION_TOKEN_ALGORITHM, None


async def get_template(session: AsyncSession, ctx: RequestContext, *, template_id: str) -> JSON:
    return jwt_template_json(await JwtTemplateRepository(session, ctx.instance_id).get_or_raise(template_id))


async def list_templates(session: AsyncSession, ctx: RequestContext, *, query: PaginatedQuery) -> ListBody:
    """A bare array as the spec shows; with paginated=true Clerk's SDKs expect {data, total_count}."""
    rows, total_count = await JwtTemplateRepository(session, ctx.instance_id).list_page(query)
    return list_body([jwt_template_json(row) for row in rows], total_count)


async def create_template(session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, body: JWTTemplateBody) -> JSON:
    _check_claims(body.claims)
    template = JwtTemplateRepository(session, ctx.instance_id).add(
        name=body.name,
        claims=body.claims,
        lifetime=body.lifetime if body.lifetime is not None else DEFAULT_LIFETIME_SECONDS,
        allowed_clock_skew=(
            body.allowed_clock_skew if body.allowed_clock_skew is not None else DEFAULT_ALLOWED_CLOCK_SKEW_SECONDS
        ),
    )
    _apply_signing(template, sealer, body)
    await flush(session)
    return jwt_template_json(template)


async def update_template(
    session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, template_id: str, body: JWTTemplateBody
) -> JSON:
    template = await JwtTemplateRepository(session, ctx.instance_id).get_or_raise(template_id, lock=locked)
    _check_claims(body.claims)
    template.name = body.name
    template.claims = body.claims
    if body.lifetime is not None:
        template.lifetime = body.lifetime
    if body.allowed_clock_skew is not None:
        template.allowed_clock_skew = body.allowed_clock_skew
    if body.custom_signing_key is not None:
        _apply_signing(template, sealer, body)
    template.updated_at = now_ms()
    await flush(session)
    return jwt_template_json(template)


async def delete_template(session: AsyncSession, ctx: RequestContext, *, template_id: str) -> JSON:
    template = await JwtTemplateRepository(session, ctx.instance_id).get_or_raise(template_id, lock=locked)
    await session.delete(template)
    await flush(session)
    return deleted_jwt_template_json(template_id)


async def create_session_token_from_template(
    reader: Reader,
    ctx: RequestContext,
    *,
    sealer: Sealer,
    session_id: str,
    template_name: str,
    body: CreateSessionTokenBody,
) -> JSON:
    jwt = await mint_template_token(
        reader,
        ctx,
        sealer=sealer,
        session_id=session_id,
        template_name=template_name,
        expires_in_seconds=body.expires_in_seconds,
    )
    return token_json(jwt)
