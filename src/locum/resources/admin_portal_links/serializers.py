"""Admin portal link tokens as Clerk's create and revoke responses have them."""

from locum.db.models import AdminPortalLinkToken
from locum.kit.json_types import JSON, columns


def admin_portal_link_token_json(token: AdminPortalLinkToken, *, now: int) -> JSON:
    return {
        "object": "admin_portal_link_token",
        **columns(token, "id", "admin_portal_link_id", "instance_id", "organization_id", "it_contact_id", "scopes"),
        "revoked": token.revoked,
        "revocation_reason": token.revocation_reason,
        "expired": token.expiration is not None and token.expiration <= now,
        "expiration": token.expiration,
        "created_at": token.created_at,
        "updated_at": token.updated_at,
    }


def created_admin_portal_link_token_json(token: AdminPortalLinkToken, secret: str, *, now: int) -> JSON:
    """Only the create response carries the token itself."""
    return {**admin_portal_link_token_json(token, now=now), "token": secret}
