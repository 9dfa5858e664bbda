"""Organization invitations: create (one or a bulk), list, get, revoke, and acceptance.

    pending --revoke--> revoked
       |----accept----> accepted   (the invitee becomes a member with the invited role and metadata)
       '--expires_at passes--> expired   (computed on read; nothing is stored)

Only pending invitations can be revoked or accepted (otherwise 404 organization_invitation_not_pending).
Pending invitations count towards the organization's membership limit, as Clerk counts them. Unless
`notify` is false, each invitation goes out as Clerk's `organization_invitation` email (locum.messages);
its link is also logged at WARNING on `locum.messages`.
"""

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import (
    ClerkError,
    bulk_size_exceeded,
    form_param_format_invalid,
    form_param_value_invalid,
    not_found,
    request_body_invalid,
)
from locum.api.ordering import parse_order_by
from locum.db.constraints import flush
from locum.db.models import (
    EmailAddress,
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
    Permission,
    RolePermission,
    User,
)
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.identifiers import email_lookup_key, normalize_email
from locum.kit.ids import new_id
from locum.messages import send_message
from locum.outbox.events import record_for
from locum.resources.organization_invitations import repository
from locum.resources.organization_invitations.schemas import (
    CreateOrganizationInvitationBody,
    InstanceInvitationListParams,
    OrganizationInvitationListParams,
    UserInvitationListParams,
)
from locum.resources.organization_invitations.serializers import (
    PENDING,
    effective_status,
    event_json,
    invitation_url,
    public_organization_data,
)
from locum.resources.organizations import lookup
from locum.resources.organizations.members import add_membership, already_a_member, check_room_for
from locum.resources.organizations.serializers import JSON
from locum.resources.users.service import get_user_or_raise

messages = logging.getLogger("locum.messages")

DAY_MS = 24 * 60 * 60 * 1000
DEFAULT_EXPIRES_IN_DAYS = 30
MAX_BULK = 10
MANAGE_MEMBERSHIPS = "org:sys_memberships:manage"
STATUSES = ("pending", "accepted", "revoked", "expired")


def invitation_not_pending() -> ClerkError:
    return ClerkError(
        404,
        "organization_invitation_not_pending",
        "organization invitation not pending",
        "Only pending organization invitations can be revoked or accepted.",
    )


def invitation_not_unique() -> ClerkError:
    return ClerkError(
        400,
        "organization_invitation_not_unique",
        "organization invitation not unique",
        "Organizations cannot have duplicate pending invitations for an email address.",
    )


def not_a_member() -> ClerkError:
    return ClerkError(
        403,
        "not_a_member_in_organization",
        "not a member",
        "Current user is not a member of the organization. Only organization members can perform this action.",
    )


def missing_permission(permission: str) -> ClerkError:
    return ClerkError(
        403,
        "missing_organization_permission",
        "missing permission",
        "Current user is missing an organization permission.",
        {"permissions": [permission]},
    )


def identification_not_owned() -> ClerkError:
    return ClerkError(
        400,
        "organization_invitation_identification_not_exist",
        "invitation identification does not exist",
        "The user does not own the email address this invitation was sent to.",
    )


async def _require_manager(session: AsyncSession, organization: Organization, user_id: str) -> None:
    """`user_id` must be a member allowed to manage memberships (Clerk: "must be an administrator")."""
    role_id = await session.scalar(
        select(OrganizationMembership.role_id).where(
            OrganizationMembership.organization_id == organization.id, OrganizationMembership.user_id == user_id
        )
    )
    if role_id is None:
        exists = await session.scalar(
            select(User.id).where(User.instance_id == organization.instance_id, User.id == user_id)
        )
        raise not_a_member() if exists is not None else not_found("user")
    allowed = await session.scalar(
        select(Permission.id)
        .join(RolePermission, RolePermission.permission_id == Permission.id)
        .where(RolePermission.role_id == role_id, Permission.key == MANAGE_MEMBERSHIPS)
    )
    if allowed is None:
        raise missing_permission(MANAGE_MEMBERSHIPS)


async def _create_one(
    session: AsyncSession, organization: Organization, body: CreateOrganizationInvitationBody, *, at_ms: int
) -> OrganizationInvitation:
    """Checks and inserts one invitation; the caller holds the organization row locked."""
    address = normalize_email(body.email_address)
    if address is None:
        raise form_param_format_invalid("email_address", f"{body.email_address!r} is not a valid email address.")
    key = email_lookup_key(address)
    role = await lookup.get_role_by_key_or_raise(session, instance_id=organization.instance_id, key=body.role)
    if body.inviter_user_id is not None:
        await _require_manager(session, organization, body.inviter_user_id)
    member = await session.scalar(
        select(OrganizationMembership.id)
        .join(EmailAddress, EmailAddress.user_id == OrganizationMembership.user_id)
        .where(
            OrganizationMembership.organization_id == organization.id,
            EmailAddress.instance_id == organization.instance_id,
            EmailAddress.email_address_normalized == key,
        )
    )
    if member is not None:
        raise already_a_member()
    duplicate = await session.scalar(
        select(OrganizationInvitation.id).where(
            OrganizationInvitation.organization_id == organization.id,
            OrganizationInvitation.email_address_normalized == key,
            repository.pending_at(at_ms),
        )
    )
    if duplicate is not None:
        raise invitation_not_unique()
    pending = await repository.pending_count(session, organization_id=organization.id, at_ms=at_ms)
    await check_room_for(session, organization, additional=pending + 1)
    invitation = OrganizationInvitation(
        id=new_id("organization_invitation"),
        instance_id=organization.instance_id,
        organization_id=organization.id,
        email_address=address,
        email_address_normalized=key,
        role_id=role.id,
        inviter_user_id=body.inviter_user_id,
        status=PENDING,
        public_metadata=body.public_metadata or {},
        private_metadata=body.private_metadata or {},
        redirect_url=body.redirect_url,
        expires_at=at_ms + (body.expires_in_days or DEFAULT_EXPIRES_IN_DAYS) * DAY_MS,
        created_at=at_ms,
        updated_at=at_ms,
    )
    invitation.role = role
    session.add(invitation)
    await flush(session)
    return invitation


async def create_invitations(
    session: AsyncSession,
    *,
    instance_id: str,
    organization_id: str,
    bodies: Sequence[CreateOrganizationInvitationBody],
    origin: str,
    ctx: RequestContext,
) -> list[JSON]:
    """One or (bulk) up to ten invitations, all or none; each recorded and "sent" unless notify is false."""
    await lookup.require_enabled(session, instance_id=instance_id)
    if not bodies:
        raise request_body_invalid("At least one invitation is required.")
    if len(bodies) > MAX_BULK:
        raise bulk_size_exceeded("invitations", MAX_BULK)
    organization = await lookup.get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    at_ms = now_ms()
    invitations = [await _create_one(session, organization, body, at_ms=at_ms) for body in bodies]
    rendered = await repository.render(session, invitations, origin=origin, at_ms=at_ms)
    for invitation, body, data in zip(invitations, bodies, rendered, strict=True):
        record_for(
            session,
            instance_id=instance_id,
            type="organizationInvitation.created",
            data=event_json(data, organization, origin=origin),
        )
        if body.notify is not False:
            await _send_invitation_email(session, ctx, invitation, organization, rendered=data)
    return rendered


def _inviter_name(rendered: JSON) -> str:
    """How the invitation email names the inviter: full name, else their primary identifier."""
    inviter = rendered["public_inviter_data"]
    if inviter is None:
        return ""
    full_name = " ".join(part for part in (inviter["first_name"], inviter["last_name"]) if part)
    return full_name or str(inviter["identifier"])


async def _send_invitation_email(
    session: AsyncSession,
    ctx: RequestContext,
    invitation: OrganizationInvitation,
    organization: Organization,
    *,
    rendered: JSON,
) -> None:
    """Clerk's organization_invitation email; `rendered` is the invitation as the API shows it."""
    url = invitation_url(invitation, origin=ctx.origin)
    messages.warning("invitation for %s to %s: %s", invitation.email_address, organization.name, url)
    public_organization = public_organization_data(organization, origin=ctx.origin)
    await send_message(
        session,
        ctx,
        "email",
        slug="organization_invitation",
        to_address=invitation.email_address,
        variables={
            "action_url": url,
            "inviter_name": _inviter_name(rendered),
            "org": {"name": organization.name, "image_url": public_organization["image_url"]},
        },
    )


async def list_organization_invitations(
    session: AsyncSession,
    *,
    instance_id: str,
    organization_id: str,
    params: OrganizationInvitationListParams,
    origin: str,
    pending_only: bool = False,
) -> tuple[list[JSON], int]:
    await lookup.require_enabled(session, instance_id=instance_id)
    organization = await lookup.get_organization_or_raise(session, instance_id=instance_id, id_or_slug=organization_id)
    ordering = parse_order_by(params.order_by, repository.ORDER_COLUMNS, repository.DEFAULT_ORDER)
    at_ms = now_ms()
    statement = select(OrganizationInvitation).where(OrganizationInvitation.organization_id == organization.id)
    status = PENDING if pending_only else params.status
    if status is not None:
        statement = statement.where(repository.status_is(status, at_ms))
    if params.email_address is not None:
        statement = statement.where(
            OrganizationInvitation.email_address_normalized == email_lookup_key(params.email_address)
        )
    rows, total = await repository.page(session, statement, ordering=ordering, page=params)
    return await repository.render(session, rows, origin=origin, at_ms=at_ms), total


async def list_instance_invitations(
    session: AsyncSession, *, instance_id: str, params: InstanceInvitationListParams, origin: str
) -> tuple[list[JSON], int]:
    await lookup.require_enabled(session, instance_id=instance_id)
    ordering = parse_order_by(params.order_by, repository.ORDER_COLUMNS, repository.DEFAULT_ORDER)
    at_ms = now_ms()
    statement = select(OrganizationInvitation).where(OrganizationInvitation.instance_id == instance_id)
    if params.status is not None:
        statement = statement.where(repository.status_is(params.status, at_ms))
    if params.query:
        pattern = f"%{params.query.strip().lower()}%"
        statement = statement.where(OrganizationInvitation.email_address_normalized.like(pattern))
    rows, total = await repository.page(session, statement, ordering=ordering, page=params)
    return await repository.render(session, rows, origin=origin, at_ms=at_ms, with_organization=True), total


async def list_user_invitations(
    session: AsyncSession, *, instance_id: str, user_id: str, params: UserInvitationListParams, origin: str
) -> tuple[list[JSON], int]:
    """Invitations addressed to any of the user's email addresses, in any organization, newest first."""
    await lookup.require_enabled(session, instance_id=instance_id)
    if params.status is not None and params.status not in STATUSES:
        raise form_param_value_invalid("status", f"status must be one of {', '.join(STATUSES)}.", status=400)
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id)
    at_ms = now_ms()
    statement = select(OrganizationInvitation).where(
        OrganizationInvitation.instance_id == instance_id,
        OrganizationInvitation.email_address_normalized.in_([e.email_address_normalized for e in user.email_addresses]),
    )
    if params.status is not None:
        statement = statement.where(repository.status_is(params.status, at_ms))
    ordering = parse_order_by(None, repository.ORDER_COLUMNS, repository.DEFAULT_ORDER)
    rows, total = await repository.page(session, statement, ordering=ordering, page=params)
    return await repository.render(session, rows, origin=origin, at_ms=at_ms, with_organization=True), total


async def get_invitation(
    session: AsyncSession, *, instance_id: str, organization_id: str, invitation_id: str, origin: str
) -> JSON:
    await lookup.require_enabled(session, instance_id=instance_id)
    organization = await lookup.get_organization_or_raise(session, instance_id=instance_id, id_or_slug=organization_id)
    invitation = await repository.get_invitation_or_raise(
        session, instance_id=instance_id, invitation_id=invitation_id, organization_id=organization.id
    )
    (data,) = await repository.render(session, [invitation], origin=origin, at_ms=now_ms())
    return data


async def revoke_invitation(
    session: AsyncSession,
    *,
    instance_id: str,
    organization_id: str,
    invitation_id: str,
    requesting_user_id: str | None,
    origin: str,
) -> JSON:
    await lookup.require_enabled(session, instance_id=instance_id)
    organization = await lookup.get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    invitation = await repository.get_invitation_or_raise(
        session, instance_id=instance_id, invitation_id=invitation_id, organization_id=organization.id, for_update=True
    )
    if requesting_user_id is not None:
        await _require_manager(session, organization, requesting_user_id)
    at_ms = now_ms()
    if effective_status(invitation, at_ms=at_ms) != PENDING:
        raise invitation_not_pending()
    invitation.status = "revoked"
    invitation.updated_at = at_ms
    await flush(session)
    (data,) = await repository.render(session, [invitation], origin=origin, at_ms=at_ms)
    record_for(
        session,
        instance_id=instance_id,
        type="organizationInvitation.revoked",
        data=event_json(data, organization, origin=origin),
    )
    return data


async def accept_invitation(
    session: AsyncSession, *, instance_id: str, invitation_id: str, user_id: str, origin: str
) -> JSON:
    """The invitee (who must own the invited email address) joins with the invited role; the
    invitation's metadata moves to the new membership, as Clerk moves it."""
    await lookup.require_enabled(session, instance_id=instance_id)
    organization_id = await repository.organization_of(session, instance_id=instance_id, invitation_id=invitation_id)
    organization = await lookup.get_organization_or_raise(
        session, instance_id=instance_id, id_or_slug=organization_id, for_update=True
    )
    invitation = await repository.get_invitation_or_raise(
        session, instance_id=instance_id, invitation_id=invitation_id, organization_id=organization.id, for_update=True
    )
    at_ms = now_ms()
    if effective_status(invitation, at_ms=at_ms) != PENDING:
        raise invitation_not_pending()
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id)
    if all(e.email_address_normalized != invitation.email_address_normalized for e in user.email_addresses):
        raise identification_not_owned()
    await add_membership(
        session,
        organization=organization,
        user_id=user.id,
        role=invitation.role,
        origin=origin,
        public_metadata=invitation.public_metadata,
        private_metadata=invitation.private_metadata,
    )
    invitation.status = "accepted"
    invitation.accepted_user_id = user.id
    invitation.updated_at = at_ms
    await flush(session)
    (data,) = await repository.render(session, [invitation], origin=origin, at_ms=at_ms)
    event: dict[str, Any] = {**event_json(data, organization, origin=origin), "user_id": user.id}
    record_for(session, instance_id=instance_id, type="organizationInvitation.accepted", data=event)
    return data
