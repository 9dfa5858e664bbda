"""Tokens minted from a JWT template: the shortcode context, the default claims, the signature.

Four reads on the bare driver: three of repository.py, and the stored user document.
"""

import secrets
from collections.abc import Sequence
from typing import Any

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
    SessionContext,
    TemplateRow,
    read_memberships,
    read_session_context,
    read_template,
)
from locum.resources.jwt_templates.shortcodes import render
from locum.resources.jwt_templates.signing import custom_signing_key
from locum.resources.sessions.errors import session_not_active
from locum.resources.sessions.lifetimes import ACTIVE_STATUSES
from locum.resources.sessions.tokens import JTI_BYTES, TokenSubject
from locum.resources.users.repository import UserReads
from locum.resources.users.serializers import current_document, image_url

MS_PER_SECOND = 1000


def _by_id(items: list[JSON], item_id: str | None) -> JSON | None:
    return next((item for item in items if item["id"] == item_id), None)


def _is_verified(identification: JSON | None) -> bool:
    verification = (identification or {}).get("verification") or {}
    return verification.get("status") == "verified"


def _seconds(ms: int | None) -> int | None:
    return None if ms is None else ms // MS_PER_SECOND


def user_context(user: JSON, memberships: Sequence[Sequence[Any]]) -> JSON:
    """`user.*` from the user's Clerk JSON; never its private metadata."""
    email = _by_id(user["email_addresses"], user["primary_email_address_id"])
    phone = _by_id(user["phone_numbers"], user["primary_phone_number_id"])
    wallet = _by_id(user["web3_wallets"], user["primary_web3_wallet_id"])
    phone_number = phone["phone_number"] if phone else None
    return {
        "id": user["id"],
        "external_id": user["external_id"],
        "first_name": user["first_name"],
        "last_name": user["last_name"],
        "full_name": f"{user['first_name'] or ''} {user['last_name'] or ''}".strip() or None,
        "username": user["username"],
        "image_url": user["image_url"],
        "profile_image_url": user["profile_image_url"],
        "has_image": user["has_image"],
        "primary_email_address": email["email_address"] if email else None,
        "primary_phone_address": phone_number,
        "primary_phone_number": phone_number,
        "primary_web3_wallet": wallet["web3_wallet"] if wallet else None,
        "email_verified": _is_verified(email),
        "phone_number_verified": _is_verified(phone),
        "two_factor_enabled": user["two_factor_enabled"],
        "created_at": _seconds(user["created_at"]),
        "updated_at": _seconds(user["updated_at"]),
        "last_sign_in_at": _seconds(user["last_sign_in_at"]),
        "public_metadata": user["public_metadata"],
        "unsafe_metadata": user["unsafe_metadata"],
        "organizations": {organization_id: role_key for organization_id, role_key in memberships},
    }


def template_context(user: JSON, memberships: Sequence[Sequence[Any]], session: SessionContext, origin: str) -> JSON:
    """Everything a shortcode can name; org.* and org_membership.* are null without an active organization."""
    subject = session.subject
    organization = membership = None
    if subject.organization_id is not None:
        organization = {
            "id": subject.organization_id,
            "name": session.organization_name,
            "slug": subject.organization_slug,
            "image_url": image_url(origin, session.organization_image_id),
            "has_image": session.organization_image_id is not None,
            "role": subject.role_key,
            "permissions": subject.permission_keys,
            "public_metadata": session.organization_metadata,
        }
        membership = {"public_metadata": session.membership_metadata}
    return {
        "user": user_context(user, memberships),
        "org": organization,
        "org_membership": membership,
        "session": {"id": subject.session_id, "actor": subject.actor},
    }


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
    instance, origin = ctx.instance, ctx.origin
    now = now_ms()
    session = await read_session_context(reader, instance_id=instance.id, session_id=session_id, now=now)
    if session is None:
        raise not_found("session")
    if session.subject.status not in ACTIVE_STATUSES:
        raise session_not_active(session_id)
    template = await read_template(reader, instance_id=instance.id, name=template_name)
    if template is None:
        raise template_not_found()
    user_id = session.subject.user_id
    row = await UserReads(reader, instance.id).document(user_id)
    if row is None:
        raise not_found("session")
    document = current_document(origin, *row)
    memberships = await read_memberships(reader, instance_id=instance.id, user_id=user_id)
    context = template_context(orjson.loads(document), memberships, session, origin)
    claims = template_claims(
        instance, template, context, session.subject, lifetime=expires_in_seconds or template.lifetime, now=now
    )
    if template.sealed_signing_key is None:
        return instance.active_signing_key.sign(claims, category=TEMPLATE_TOKEN_CATEGORY)
    key = custom_signing_key(
        sealer,
        template_id=template.id,
        updated_at=template.updated_at,
        algorithm=template.signing_algorithm,
        sealed_key=template.sealed_signing_key,
    )
    return key.sign(claims)
