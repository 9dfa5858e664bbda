"""Instance invitations: create (one or a bulk), list, revoke, and their acceptance by a sign-up.

    pending --revoke (BAPI)------------------> revoked
       |----sign-up with the ticket (/locum)--> accepted   (the user is created; see resources/sign_ups)
       |----a new invitation, ignore_existing-> revoked    (one pending invitation per address)
       '--expires_at passes-------------------> expired    (computed on read; stored only once a new
                                                            invitation for the address replaces it)

An address has at most one pending invitation (a partial unique index, so concurrent creations
can't both succeed), and none at all once a user owns it. Unless `notify` is false, each invitation
goes out as the email its template_slug names (locum.messages), read at /locum/messages; its link is
never logged. The ticket in the link is kept as its digest only, so only the creating response (and
the email) shows the link (`url`).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import (
    bulk_size_exceeded,
    form_identifier_exists,
    form_param_format_invalid,
    request_body_invalid,
)
from locum.api.ordering import parse_order_by
from locum.api.pagination import ListBody, list_body
from locum.db.locking import locked
from locum.db.models import Invitation
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.identifiers import email_lookup_key, normalize_email
from locum.kit.json_types import JSON
from locum.kit.keys import secret_digest
from locum.messages import send_message
from locum.resources.frontend.tickets import new_secret
from locum.resources.identifier_lists.restrictions import check_identifiers
from locum.resources.invitations.errors import (
    invitation_already_accepted,
    invitation_already_revoked,
    invitation_exists,
    revoked_invitation,
    ticket_expired,
    ticket_invalid,
)
from locum.resources.invitations.repository import DEFAULT_ORDER, ORDER_COLUMNS, InvitationRepository, status_is
from locum.resources.invitations.schemas import (
    DEFAULT_EXPIRES_IN_DAYS,
    MAX_BULK,
    CreateInvitationBody,
    InvitationListParams,
)
from locum.resources.invitations.serializers import (
    ACCEPTED,
    EXPIRED,
    PENDING,
    REVOKED,
    effective_status,
    invitation_json,
    invitation_url,
)

DAY_MS = 24 * 60 * 60 * 1000
DEFAULT_TEMPLATE_SLUG = "invitation"


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    # The link with the ticket, which only the creating response shows.
    url: str

    def json(self, *, at_ms: int) -> JSON:
        return invitation_json(self.invitation, at_ms=at_ms, url=self.url)


async def _replace_pending(
    invitations: InvitationRepository, email_key: str, *, ignore_existing: bool, at_ms: int
) -> None:
    """Make room for a new pending invitation for the address: an expired one is marked expired, a
    live one is revoked when ignore_existing, else the new one is refused."""
    existing = await invitations.stored_pending_for(email_key)
    if existing is None:
        return
    if effective_status(existing, at_ms=at_ms) == EXPIRED:
        existing.status = EXPIRED
    elif ignore_existing:
        existing.status = REVOKED
    else:
        raise invitation_exists()
    existing.updated_at = at_ms
    await invitations.flush()


async def issue_invitation(
    session: AsyncSession, ctx: RequestContext, body: CreateInvitationBody, *, at_ms: int
) -> IssuedInvitation:
    """The one way an invitation is made (CreateInvitation, the bulk, a waitlist entry's invite):
    checks, inserts, and sends it unless notify is false."""
    normalized = normalize_email(body.email_address)
    if normalized is None:
        raise form_param_format_invalid("email_address", f"{body.email_address!r} is not a valid email address.")
    address = email_lookup_key(normalized)
    await check_identifiers(session, ctx, email_addresses=[address])
    invitations = InvitationRepository(session, ctx.instance_id)
    if await invitations.user_has_email(address):
        raise form_identifier_exists("email_address")
    await _replace_pending(invitations, address, ignore_existing=bool(body.ignore_existing), at_ms=at_ms)
    ticket = new_secret()
    invitation = invitations.add(
        email_address=address,
        email_address_normalized=address,
        public_metadata=body.public_metadata or {},
        redirect_url=body.redirect_url,
        template_slug=body.template_slug or DEFAULT_TEMPLATE_SLUG,
        ticket_digest=secret_digest(ticket),
        status=PENDING,
        expires_at=at_ms + (body.expires_in_days or DEFAULT_EXPIRES_IN_DAYS) * DAY_MS,
        created_at=at_ms,
        updated_at=at_ms,
    )
    await invitations.flush()
    url = invitation_url(invitation, ticket, origin=ctx.origin)
    if body.notify is not False:
        await send_message(
            session, ctx, "email", slug=invitation.template_slug, to_address=address, variables={"action_url": url}
        )
    return IssuedInvitation(invitation, url)


async def create_invitation(session: AsyncSession, ctx: RequestContext, body: CreateInvitationBody) -> JSON:
    at_ms = now_ms()
    return (await issue_invitation(session, ctx, body, at_ms=at_ms)).json(at_ms=at_ms)


async def create_invitations_bulk(
    session: AsyncSession, ctx: RequestContext, bodies: Sequence[CreateInvitationBody]
) -> list[JSON]:
    """Up to ten invitations, all or none (a refusal of one rolls back the others)."""
    if not bodies:
        raise request_body_invalid("At least one invitation is required.")
    if len(bodies) > MAX_BULK:
        raise bulk_size_exceeded("invitations", MAX_BULK)
    at_ms = now_ms()
    return [(await issue_invitation(session, ctx, body, at_ms=at_ms)).json(at_ms=at_ms) for body in bodies]


async def list_invitations(session: AsyncSession, ctx: RequestContext, params: InvitationListParams) -> ListBody:
    at_ms = now_ms()
    conditions: list[ColumnElement[bool]] = []
    if params.status is not None:
        conditions.append(status_is(params.status, at_ms))
    if params.query:
        conditions.append(InvitationRepository.matching(params.query))
    ordering = parse_order_by(params.order_by, ORDER_COLUMNS, DEFAULT_ORDER)
    rows, total = await InvitationRepository(session, ctx.instance_id).page(conditions, ordering=ordering, query=params)
    return list_body([invitation_json(row, at_ms=at_ms) for row in rows], total)


def _revoke(invitation: Invitation, *, at_ms: int) -> None:
    if invitation.status == ACCEPTED:
        raise invitation_already_accepted()
    if invitation.status == REVOKED:
        raise invitation_already_revoked()
    invitation.status = REVOKED
    invitation.updated_at = at_ms


async def revoke_invitation(session: AsyncSession, ctx: RequestContext, *, invitation_id: str) -> JSON:
    """Any invitation not yet accepted or revoked (an expired one included) can be revoked."""
    invitations = InvitationRepository(session, ctx.instance_id)
    invitation = await invitations.get_or_raise(invitation_id, lock=locked)
    at_ms = now_ms()
    _revoke(invitation, at_ms=at_ms)
    await invitations.flush()
    return invitation_json(invitation, at_ms=at_ms)


async def withdraw_invitation(session: AsyncSession, ctx: RequestContext, *, invitation_id: str, at_ms: int) -> None:
    """Revoke the invitation if it is still pending (a rejected waitlist entry's link stops working)."""
    invitations = InvitationRepository(session, ctx.instance_id)
    invitation = await invitations.get(invitation_id, lock=locked)
    if invitation is not None and effective_status(invitation, at_ms=at_ms) == PENDING:
        _revoke(invitation, at_ms=at_ms)
        await invitations.flush()


async def claim_invitation(session: AsyncSession, ctx: RequestContext, *, ticket: str, at_ms: int) -> Invitation:
    """The pending invitation whose ticket this is, locked until commit; the refusals are Clerk's
    Frontend API ticket errors (an unknown or used ticket, a revoked or expired invitation)."""
    invitation = await InvitationRepository(session, ctx.instance_id).by_ticket(secret_digest(ticket))
    if invitation is None or invitation.status == ACCEPTED:
        raise ticket_invalid()
    if invitation.status == REVOKED:
        raise revoked_invitation()
    if effective_status(invitation, at_ms=at_ms) != PENDING:
        raise ticket_expired()
    return invitation


def mark_accepted(invitation: Invitation, *, user_id: str, at_ms: int) -> None:
    invitation.status = ACCEPTED
    invitation.accepted_user_id = user_id
    invitation.updated_at = at_ms


async def invitations_by_id(session: AsyncSession, ctx: RequestContext, ids: set[str]) -> dict[str, Invitation]:
    return await InvitationRepository(session, ctx.instance_id).by_ids(ids)
