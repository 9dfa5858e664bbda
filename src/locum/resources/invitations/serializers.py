"""Invitations as Clerk's `Invitation` schema has them."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from locum.db.models import Invitation
from locum.kit.json_types import JSON

PENDING = "pending"
ACCEPTED = "accepted"
REVOKED = "revoked"
EXPIRED = "expired"
# The query parameter Clerk's invitation links carry the ticket in.
TICKET_PARAM = "__clerk_ticket"


def effective_status(invitation: Invitation, *, at_ms: int) -> str:
    """Expiry is not stored: a pending invitation past its expires_at reads as expired."""
    if invitation.status == PENDING and invitation.expires_at is not None and invitation.expires_at <= at_ms:
        return EXPIRED
    return invitation.status


def invitation_url(invitation: Invitation, ticket: str, *, origin: str) -> str:
    """The link the invitation email carries: the redirect_url, or locum's sign-up endpoint (which takes
    the ticket as {"ticket"} in a POST with the secret key), with the ticket as `__clerk_ticket`."""
    base = invitation.redirect_url or f"{origin}/locum/sign_ups"
    parts = urlsplit(base)
    query = [*parse_qsl(parts.query, keep_blank_values=True), (TICKET_PARAM, ticket)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def invitation_json(invitation: Invitation, *, at_ms: int, url: str | None = None) -> JSON:
    """`url` holds the ticket, which only the response that creates the invitation can show (only its
    digest is kept)."""
    data: JSON = {
        "object": "invitation",
        "id": invitation.id,
        "email_address": invitation.email_address,
        "public_metadata": invitation.public_metadata,
        "revoked": invitation.status == REVOKED,
        "status": effective_status(invitation, at_ms=at_ms),
    }
    if url is not None:
        data["url"] = url
    return data | {
        "expires_at": invitation.expires_at,
        "created_at": invitation.created_at,
        "updated_at": invitation.updated_at,
    }
