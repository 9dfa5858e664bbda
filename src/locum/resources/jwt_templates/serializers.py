"""JWT templates as Clerk renders them (the spec's JWTTemplate; the signing key never leaves), and the
context their shortcodes are rendered against (`user.*`, `org.*`, `org_membership.*`, `session.*`)."""

from collections.abc import Sequence
from typing import Any

from locum.db.models import JwtTemplate
from locum.kit.json_types import JSON, columns
from locum.resources.jwt_templates.repository import SessionContext
from locum.resources.users.serializers import image_url


def jwt_template_json(template: JwtTemplate) -> JSON:
    return {
        "object": "jwt_template",
        **columns(
            template,
            "id",
            "name",
            "claims",
            "lifetime",
            "allowed_clock_skew",
            "signing_algorithm",
            "created_at",
            "updated_at",
        ),
        "custom_signing_key": template.sealed_signing_key is not None,
    }


def deleted_jwt_template_json(template_id: str) -> JSON:
    return {"object": "jwt_template", "id": template_id, "deleted": True}


def token_json(jwt: str) -> JSON:
    return {"object": "token", "jwt": jwt}


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
