"""Organization invitations: create (one or a bulk), list, get, revoke, and acceptance.

    pending --revoke--> revoked
       |----accept----> accepted   (the invitee becomes a member with the invited role and metadata)
       '--expires_at passes--> expired   (computed on read; nothing is stored)

Only pending invitations can be revoked or accepted (otherwise 404 organization_invitation_not_pending).
Pending invitations count towards the organization's membership limit, as Clerk counts them. Unless
`notify` is false, each invitation goes out as Clerk's `organization_invitation` email (locum.messages),
read at /locum/messages. Its link carries the invitation's ticket, a bearer secret, so it is never logged.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import (
    bulk_size_exceeded,
    form_param_format_invalid,
    form_param_value_invalid,
    request_body_invalid,
)
from locum.api.ordering import parse_order_by
from locum.api.pagination import PageQuery, list_body
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import Organization, OrganizationInvitation
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.identifiers import email_lookup_key, normalize_email
from locum.kit.json_types import JSON
from locum.messages import send_message
from locum.outbox.events import record
from locum.resources.organization_invitations.errors import (
    identification_not_owned,
    invitation_not_pending,
    invitation_not_unique,
    missing_permission,
    not_a_member,
)
from locum.resources.organization_invitations.repository import (
    DEFAULT_ORDER,
    ORDER_COLUMNS,
    InvitationRepository,
    status_is,
)
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
    invitation_json,
    invitation_url,
)
from locum.resources.organizations.errors import already_a_member
from locum.resources.organizations.lookup import (
    enabled_organization_or_raise,
    get_organization_or_raise,
    get_role_by_key_or_raise,
    require_enabled,
)
from locum.resources.organizations.members import add_membership, check_room_for
from locum.resources.organizations.repository import MANAGE_MEMBERSHIPS, MembershipRepository, OrganizationRepository
from locum.resources.organizations.serializers import public_organization_data
from locum.resources.users.repository import UserRepository

DAY_MS = 24 * 60 * 60 * 1000
DEFAULT_EXPIRES_IN_DAYS = 30
MAX_BULK = 10
STATUSES = ("pending", "accepted", "revoked", "expired")


async def _render(
    session: AsyncSession,
    ctx: RequestContext,
    invitations: list[OrganizationInvitation],
    *,
    at_ms: int,
    with_organization: bool = False,
) -> list[JSON]:
    """Invitations (roles loaded) with their inviters and, when asked, their organizations' public data."""
    inviters = await InvitationRepository(session, ctx.instance_id).inviters(invitations)
    organizations: dict[str, Organization] = {}
    if with_organization:
        organizations = await OrganizationRepository(session, ctx.instance_id).by_ids(
            {i.organization_id for i in invitations}
        )
    return [
        invitation_json(
            invitation,
            role=invitation.role,
            inviter=inviters.get(invitation.inviter_user_id or ""),
            origin=ctx.origin,
            at_ms=at_ms,
            organization=organizations.get(invitation.organization_id),
        )
        for invitation in invitations
    ]


async def _render_one(
    session: AsyncSession, ctx: RequestContext, invitation: OrganizationInvitation, *, at_ms: int
) -> JSON:
    (data,) = await _render(session, ctx, [invitation], at_ms=at_ms)
    return data


async def _require_manager(
    session: AsyncSession, ctx: RequestContext, organization: Organization, user_id: str
) -> None:
    """`user_id` must be a member allowed to manage memberships (Clerk: "must be an administrator")."""
    memberships = MembershipRepository(session, ctx.instance_id)
    role_id = await memberships.role_id_of(organization_id=organization.id, user_id=user_id)
    if role_id is None:
        await UserRepository(session, ctx.instance_id).get_or_raise(user_id)
        raise not_a_member()
    if not await memberships.role_manages(role_id):
        raise missing_permission(MANAGE_MEMBERSHIPS)


async def _create_one(
    session: AsyncSession,
    ctx: RequestContext,
    organization: Organization,
    body: CreateOrganizationInvitationBody,
    *,
    at_ms: int,
) -> OrganizationInvitation:
    """Checks and inserts one invitation; the caller holds the organization row locked."""
    address = normalize_email(body.email_address)
    if address is None:
        raise form_param_format_invalid("email_address", f"{body.email_address!r} is not a valid email address.")
    key = email_lookup_key(address)
    role = await get_role_by_key_or_raise(session, instance_id=ctx.instance_id, key=body.role)
    if body.inviter_user_id is not None:
        await _require_manager(session, ctx, organization, body.inviter_user_id)
    memberships = MembershipRepository(session, ctx.instance_id)
    if await memberships.has_member_with_email(organization_id=organization.id, email_key=key):
        raise already_a_member()
    invitations = InvitationRepository(session, ctx.instance_id)
    if await invitations.pending_for(organization_id=organization.id, email_key=key, at_ms=at_ms):
        raise invitation_not_unique()
    pending = await invitations.pending_count(organization_id=organization.id, at_ms=at_ms)
    await check_room_for(session, organization, additional=pending + 1)
    invitation = invitations.add(
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
    await flush(session)
    return invitation


async def _create_invitations(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    organization_id: str,
    bodies: Sequence[CreateOrganizationInvitationBody],
) -> list[JSON]:
    """One or (bulk) up to ten invitations, all or none; each recorded and "sent" unless notify is false."""
    await require_enabled(session, instance_id=ctx.instance_id)
    if not bodies:
        raise request_body_invalid("At least one invitation is required.")
    if len(bodies) > MAX_BULK:
        raise bulk_size_exceeded("invitations", MAX_BULK)
    organization = await get_organization_or_raise(
        session, instance_id=ctx.instance_id, id_or_slug=organization_id, for_update=True
    )
    at_ms = now_ms()
    invitations = [await _create_one(session, ctx, organization, body, at_ms=at_ms) for body in bodies]
    rendered = await _render(session, ctx, invitations, at_ms=at_ms)
    for invitation, body, data in zip(invitations, bodies, rendered, strict=True):
        record(session, ctx, "organizationInvitation.created", event_json(data, organization, origin=ctx.origin))
        if body.notify is not False:
            await _send_invitation_email(session, ctx, invitation, organization, rendered=data)
    return rendered


async def create_invitation(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, body: CreateOrganizationInvitationBody
) -> JSON:
    (invitation,) = await _create_invitations(session, ctx, organization_id=organization_id, bodies=[body])
    return invitation


async def create_invitations_bulk(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    organization_id: str,
    bodies: Sequence[CreateOrganizationInvitationBody],
) -> JSON:
    invitations = await _create_invitations(session, ctx, organization_id=organization_id, bodies=bodies)
    return list_body(invitations, len(invitations))


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


async def _list(
    session: AsyncSession,
    ctx: RequestContext,
    conditions: list[ColumnElement[bool]],
    *,
    order_by: str | None,
    page: PageQuery,
    at_ms: int,
    with_organization: bool,
) -> JSON:
    ordering = parse_order_by(order_by, ORDER_COLUMNS, DEFAULT_ORDER)
    found = await InvitationRepository(session, ctx.instance_id).page(conditions, ordering=ordering, page=page)
    data = await _render(session, ctx, found.items, at_ms=at_ms, with_organization=with_organization)
    return list_body(data, found.total_count)


async def list_organization_invitations(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    organization_id: str,
    params: OrganizationInvitationListParams,
    pending_only: bool = False,
) -> JSON:
    organization = await enabled_organization_or_raise(session, instance_id=ctx.instance_id, id_or_slug=organization_id)
    at_ms = now_ms()
    conditions: list[ColumnElement[bool]] = [OrganizationInvitation.organization_id == organization.id]
    status = PENDING if pending_only else params.status
    if status is not None:
        conditions.append(status_is(status, at_ms))
    if params.email_address is not None:
        conditions.append(OrganizationInvitation.email_address_normalized == email_lookup_key(params.email_address))
    return await _list(
        session, ctx, conditions, order_by=params.order_by, page=params, at_ms=at_ms, with_organization=False
    )


async def list_pending_organization_invitations(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, page: PageQuery
) -> JSON:
    params = OrganizationInvitationListParams(**page.model_dump())
    return await list_organization_invitations(
        session, ctx, organization_id=organization_id, params=params, pending_only=True
    )


async def list_instance_invitations(
    session: AsyncSession, ctx: RequestContext, *, params: InstanceInvitationListParams
) -> JSON:
    await require_enabled(session, instance_id=ctx.instance_id)
    at_ms = now_ms()
    conditions: list[ColumnElement[bool]] = []
    if params.status is not None:
        conditions.append(status_is(params.status, at_ms))
    if params.query:
        pattern = f"%{params.query.strip().lower()}%"
        conditions.append(OrganizationInvitation.email_address_normalized.like(pattern))
    return await _list(
        session, ctx, conditions, order_by=params.order_by, page=params, at_ms=at_ms, with_organization=True
    )


async def list_user_invitations(
    session: AsyncSession, ctx: RequestContext, *, user_id: str, params: UserInvitationListParams
) -> JSON:
    """Invitations addressed to any of the user's email addresses, in any organization, newest first."""
    await require_enabled(session, instance_id=ctx.instance_id)
    if params.status is not None and params.status not in STATUSES:
        raise form_param_value_invalid("status", f"status must be one of {', '.join(STATUSES)}.", status=400)
    user = await UserRepository(session, ctx.instance_id).get_or_raise(user_id)
    at_ms = now_ms()
    addresses = [e.email_address_normalized for e in user.email_addresses]
    conditions: list[ColumnElement[bool]] = [OrganizationInvitation.email_address_normalized.in_(addresses)]
    if params.status is not None:
        conditions.append(status_is(params.status, at_ms))
    return await _list(session, ctx, conditions, order_by=None, page=params, at_ms=at_ms, with_organization=True)


async def get_invitation(
    session: AsyncSession, ctx: RequestContext, *, organization_id: str, invitation_id: str
) -> JSON:
    organization = await enabled_organization_or_raise(session, instance_id=ctx.instance_id, id_or_slug=organization_id)
    invitations = InvitationRepository(session, ctx.instance_id)
    invitation = await invitations.in_organization_or_raise(invitation_id, organization_id=organization.id)
    return await _render_one(session, ctx, invitation, at_ms=now_ms())


async def revoke_invitation(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    organization_id: str,
    invitation_id: str,
    requesting_user_id: str | None,
) -> JSON:
    organization = await enabled_organization_or_raise(
        session, instance_id=ctx.instance_id, id_or_slug=organization_id, for_update=True
    )
    invitations = InvitationRepository(session, ctx.instance_id)
    invitation = await invitations.in_organization_or_raise(invitation_id, organization_id=organization.id, lock=locked)
    if requesting_user_id is not None:
        await _require_manager(session, ctx, organization, requesting_user_id)
    at_ms = now_ms()
    if effective_status(invitation, at_ms=at_ms) != PENDING:
        raise invitation_not_pending()
    invitation.status = "revoked"
    invitation.updated_at = at_ms
    await flush(session)
    data = await _render_one(session, ctx, invitation, at_ms=at_ms)
    record(session, ctx, "organizationInvitation.revoked", event_json(data, organization, origin=ctx.origin))
    return data


async def accept_invitation(session: AsyncSession, ctx: RequestContext, *, invitation_id: str, user_id: str) -> JSON:
    """The invitee (who must own the invited email address) joins with the invited role; the
    invitation's metadata moves to the new membership, as Clerk moves it."""
    await require_enabled(session, instance_id=ctx.instance_id)
    invitations = InvitationRepository(session, ctx.instance_id)
    organization_id = await invitations.organization_of(invitation_id)
    organization = await get_organization_or_raise(
        session, instance_id=ctx.instance_id, id_or_slug=organization_id, for_update=True
    )
    invitation = await invitations.in_organization_or_raise(invitation_id, organization_id=organization.id, lock=locked)
    at_ms = now_ms()
    if effective_status(invitation, at_ms=at_ms) != PENDING:
        raise invitation_not_pending()
    user = await UserRepository(session, ctx.instance_id).get_or_raise(user_id)
    if all(e.email_address_normalized != invitation.email_address_normalized for e in user.email_addresses):
        raise identification_not_owned()
    await add_membership(
        session,
        ctx,
        organization,
        user_id=user.id,
        role=invitation.role,
        public_metadata=invitation.public_metadata,
        private_metadata=invitation.private_metadata,
    )
    invitation.status = "accepted"
    invitation.accepted_user_id = user.id
    invitation.updated_at = at_ms
    await flush(session)
    data = await _render_one(session, ctx, invitation, at_ms=at_ms)
    event: dict[str, Any] = {**event_json(data, organization, origin=ctx.origin), "user_id": user.id}
    record(session, ctx, "organizationInvitation.accepted", event)
    return data
