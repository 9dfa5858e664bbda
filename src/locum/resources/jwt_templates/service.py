"""JWT template rules: reserved claims, lifetimes, the signing configuration, unique names.

A template signs with the instance's key (RS256, the JWKS `kid`) unless it has a custom key: one
of CUSTOM_ALGORITHMS and a key that fits it, stored sealed and never shown again. A duplicate name
is caught by the (instance_id, name) unique constraint and answered as form_identifier_exists.
"""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import ClerkError, form_param_missing, form_param_value_invalid, not_found
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import JwtTemplate
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.kit.jwt_signing import SESSION_TOKEN_ALGORITHM
from locum.kit.sealing import Sealer
from locum.resources.jwt_templates.schemas import JWTTemplateBody, JWTTemplateListParams
from locum.resources.jwt_templates.serializers import JSON, deleted_jwt_template_json, jwt_template_json
from locum.resources.jwt_templates.signing import CUSTOM_ALGORITHMS, InvalidSigningKey, parse_signing_key

DEFAULT_LIFETIME_SECONDS = 60
DEFAULT_ALLOWED_CLOCK_SKEW_SECONDS = 5
# Claims every template token carries and a template may not set (Clerk's "default claims").
RESERVED_CLAIMS = frozenset({"azp", "exp", "iat", "iss", "jti", "nbf", "sub"})


def jwt_template_reserved_claim(claim: str) -> ClerkError:
    return ClerkError(
        400,
        "jwt_template_reserved_claim",
        "reserved claim used",
        f"You can't use the reserved claim: {claim}",
        {"param_name": "claims"},
    )


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


async def get_template_or_raise(
    db: AsyncSession, *, instance_id: str, template_id: str, for_update: bool = False
) -> JwtTemplate:
    statement = select(JwtTemplate).where(JwtTemplate.instance_id == instance_id, JwtTemplate.id == template_id)
    template = await db.scalar(locked(statement) if for_update else statement)
    if template is None:
        raise not_found("JWT template")
    return template


async def get_template(db: AsyncSession, *, instance_id: str, template_id: str) -> JSON:
    return jwt_template_json(await get_template_or_raise(db, instance_id=instance_id, template_id=template_id))


async def list_templates(
    db: AsyncSession, *, instance_id: str, params: JWTTemplateListParams
) -> tuple[list[JSON], int | None]:
    """The page, newest first, and the total count when `paginated` asked for it."""
    rows = await db.scalars(
        select(JwtTemplate)
        .where(JwtTemplate.instance_id == instance_id)
        .order_by(JwtTemplate.created_at.desc(), JwtTemplate.id.desc())
        .limit(params.limit)
        .offset(params.offset)
    )
    templates = [jwt_template_json(row) for row in rows.all()]
    if not params.paginated:
        return templates, None
    total = await db.scalar(select(func.count()).select_from(JwtTemplate).where(JwtTemplate.instance_id == instance_id))
    return templates, int(total or 0)


async def create_template(db: AsyncSession, sealer: Sealer, *, instance_id: str, body: JWTTemplateBody) -> JSON:
    _check_claims(body.claims)
    now = now_ms()
    template = JwtTemplate(
        id=new_id("jwt_template"),
        instance_id=instance_id,
        name=body.name,
        claims=body.claims,
        lifetime=body.lifetime if body.lifetime is not None else DEFAULT_LIFETIME_SECONDS,
        allowed_clock_skew=(
            body.allowed_clock_skew if body.allowed_clock_skew is not None else DEFAULT_ALLOWED_CLOCK_SKEW_SECONDS
        ),
        created_at=now,
        updated_at=now,
    )
    _apply_signing(template, sealer, body)
    db.add(template)
    await flush(db)
    return jwt_template_json(template)


async def update_template(
    db: AsyncSession, sealer: Sealer, *, instance_id: str, template_id: str, body: JWTTemplateBody
) -> JSON:
    template = await get_template_or_raise(db, instance_id=instance_id, template_id=template_id, for_update=True)
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
    await flush(db)
    return jwt_template_json(template)


async def delete_template(db: AsyncSession, *, instance_id: str, template_id: str) -> JSON:
    template = await get_template_or_raise(db, instance_id=instance_id, template_id=template_id, for_update=True)
    await db.delete(template)
    await flush(db)
    return deleted_jwt_template_json(template_id)
