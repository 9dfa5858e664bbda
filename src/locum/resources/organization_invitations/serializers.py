"""Organization invitations as Clerk renders them (the spec's OrganizationInvitation, and
OrganizationInvitationWithPublicOrganizationData for the instance- and user-wide lists)."""

import base64
import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from locum.db.models import Organization, OrganizationInvitation, Role, User
from locum.kit.json_types import JSON, columns
from locum.resources.organizations.serializers import image_fields, public_organization_data

PENDING = "pending"
EXPIRED = "expired"
TICKET_PARAM = "__clerk_ticket"


def effective_status(invitation: OrganizationInvitation, *, at_ms: int) -> str:
    """Expiry is not stored: a pending invitation past its expires_at reads as expired."""
    if invitation.status == PENDING and invitation.expires_at is not None and invitation.expires_at <= at_ms:
        return EXPIRED
    return invitation.status


def invitation_ticket(invitation: OrganizationInvitation) -> str:
    """An opaque ticket derived from the invitation. It grants nothing by itself: locum has no Frontend
    API to redeem it, and accepting goes through /locum with the secret key."""
    digest = hashlib.sha256(f"{invitation.instance_id}:{invitation.id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def invitation_url(invitation: OrganizationInvitation, *, origin: str) -> str:
    """The link the invitation email carries: the redirect_url (or locum's accept endpoint) with the ticket."""
    base = invitation.redirect_url or f"{origin}/locum/organization_invitations/{invitation.id}/accept"
    parts = urlsplit(base)
    query = [*parse_qsl(parts.query, keep_blank_values=True), (TICKET_PARAM, invitation_ticket(invitation))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _identifier(user: User) -> str:
    primary = next((e.email_address for e in user.email_addresses if e.id == user.primary_email_address_id), None)
    return primary or user.username or user.id


def public_inviter_data(user: User, *, origin: str) -> JSON:
    return {
        "user_id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        **image_fields(origin, user.image_id),
        "identifier": _identifier(user),
    }


def invitation_json(
    invitation: OrganizationInvitation,
    *,
    role: Role,
    inviter: User | None,
    origin: str,
    at_ms: int,
    organization: Organization | None = None,
) -> JSON:
    """`organization`, when given, adds public_organization_data (the instance- and user-wide lists)."""
    data: JSON = {
        "object": "organization_invitation",
        "id": invitation.id,
        "email_address": invitation.email_address,
        "role": role.key,
        "role_name": role.name,
        "organization_id": invitation.organization_id,
        "inviter_id": invitation.inviter_user_id,
        "public_inviter_data": public_inviter_data(inviter, origin=origin) if inviter is not None else None,
        "status": effective_status(invitation, at_ms=at_ms),
        "public_metadata": invitation.public_metadata,
        "private_metadata": invitation.private_metadata,
        "url": invitation_url(invitation, origin=origin),
        **columns(invitation, "expires_at", "created_at", "updated_at"),
    }
    if organization is not None:
        data["public_organization_data"] = public_organization_data(organization, origin=origin)
    return data


def event_json(invitation: JSON, organization: Organization, *, origin: str) -> JSON:
    """Webhook data: the invitation plus the nested `data.public_organization_data` Clerk's webhook
    schema declares for organizationInvitation.* events."""
    return {**invitation, "data": {"public_organization_data": public_organization_data(organization, origin=origin)}}
