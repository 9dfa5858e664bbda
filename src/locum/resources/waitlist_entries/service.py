"""Waitlist entries: join (one or a bulk), list, delete, invite, reject, and completion.

    pending --invite--> invited --sign-up with the invitation (/locum)--> completed
       |   \\              |  \\--invite with ignore_existing--> invited (a new invitation replaces the old)
       |    \\--reject--> rejected <--reject--'   (rejecting an invited entry revokes its invitation)
       '--delete (pending only)

A rejected entry can still be invited. An address is on the waitlist at most once (a unique
constraint): joining again answers the existing entry, as Clerk does. Changes are announced as
waitlistEntry.created / waitlistEntry.updated with the JSON the API returns.
"""

from collections.abc import Sequence

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import bulk_size_exceeded, form_param_format_invalid, request_body_invalid
from locum.api.ordering import parse_order_by
from locum.api.pagination import list_body
from locum.db.constraints import flush
from locum.db.locking import locked, locked_for_delete
from locum.db.models import WaitlistEntry
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.identifiers import email_lookup_key, normalize_email
from locum.kit.json_types import JSON
from locum.messages import send_message
from locum.outbox.events import record
from locum.resources.invitations import service as invitations
from locum.resources.invitations.schemas import CreateInvitationBody, TemplateSlug
from locum.resources.waitlist_entries.errors import email_address_duplicate, waitlist_entry_already
from locum.resources.waitlist_entries.repository import DEFAULT_ORDER, ORDER_COLUMNS, WaitlistEntryRepository
from locum.resources.waitlist_entries.schemas import (
    MAX_BULK,
    CreateWaitlistEntryBody,
    InviteWaitlistEntryBody,
    WaitlistEntryListParams,
)
from locum.resources.waitlist_entries.serializers import deleted_waitlist_entry_json, waitlist_entry_json

PENDING = "pending"
INVITED = "invited"
REJECTED = "rejected"
COMPLETED = "completed"
CONFIRMATION_TEMPLATE = "waitlist_confirmation"
INVITATION_TEMPLATE: TemplateSlug = "waitlist_invitation"


def _address(email_address: str) -> str:
    normalized = normalize_email(email_address)
    if normalized is None:
        raise form_param_format_invalid("email_address", f"{email_address!r} is not a valid email address.")
    return email_lookup_key(normalized)


async def _render(
    session: AsyncSession, ctx: RequestContext, entries: list[WaitlistEntry], *, at_ms: int
) -> list[JSON]:
    found = await invitations.invitations_by_id(
        session, ctx, {entry.invitation_id for entry in entries if entry.invitation_id is not None}
    )
    return [
        waitlist_entry_json(entry, invitation=found.get(entry.invitation_id or ""), at_ms=at_ms) for entry in entries
    ]


async def _join(session: AsyncSession, ctx: RequestContext, body: CreateWaitlistEntryBody, *, at_ms: int) -> JSON:
    """The address's entry: a new pending one (announced, and confirmed by email unless notify is
    false), or the one it already has."""
    address = _address(body.email_address)
    entries = WaitlistEntryRepository(session, ctx.instance_id)
    existing = await entries.by_email(address)
    if existing is None:
        try:
            # A savepoint: a concurrent join of the same address must not abort the whole transaction.
            async with session.begin_nested():
                entry = entries.add(
                    email_address=address,
                    email_address_normalized=address,
                    status=PENDING,
                    created_at=at_ms,
                    updated_at=at_ms,
                )
                await session.flush()
        except IntegrityError:
            existing = await entries.by_email(address)
            if existing is None:
                raise
    if existing is not None:
        (data,) = await _render(session, ctx, [existing], at_ms=at_ms)
        return data
    data = waitlist_entry_json(entry, invitation=None, at_ms=at_ms)
    record(session, ctx, "waitlistEntry.created", data)
    if body.notify is not False:
        await send_message(session, ctx, "email", slug=CONFIRMATION_TEMPLATE, to_address=address, variables={})
    return data


async def create_waitlist_entry(session: AsyncSession, ctx: RequestContext, body: CreateWaitlistEntryBody) -> JSON:
    return await _join(session, ctx, body, at_ms=now_ms())


async def create_waitlist_entries_bulk(
    session: AsyncSession, ctx: RequestContext, bodies: Sequence[CreateWaitlistEntryBody]
) -> list[JSON]:
    """Up to fifty addresses, each appearing once; all or none."""
    if not bodies:
        raise request_body_invalid("At least one waitlist entry is required.")
    if len(bodies) > MAX_BULK:
        raise bulk_size_exceeded("waitlist entries", MAX_BULK)
    addresses = [_address(body.email_address) for body in bodies]
    if len(set(addresses)) != len(addresses):
        raise email_address_duplicate()
    at_ms = now_ms()
    return [await _join(session, ctx, body, at_ms=at_ms) for body in bodies]


async def list_waitlist_entries(session: AsyncSession, ctx: RequestContext, params: WaitlistEntryListParams) -> JSON:
    conditions: list[ColumnElement[bool]] = []
    if params.status is not None:
        conditions.append(WaitlistEntry.status == params.status)
    if params.query:
        conditions.append(WaitlistEntryRepository.matching(params.query))
    ordering = parse_order_by(params.order_by, ORDER_COLUMNS, DEFAULT_ORDER)
    page = await WaitlistEntryRepository(session, ctx.instance_id).page(conditions, ordering=ordering, page=params)
    return list_body(await _render(session, ctx, page.items, at_ms=now_ms()), page.total_count)


async def delete_waitlist_entry(session: AsyncSession, ctx: RequestContext, *, waitlist_entry_id: str) -> JSON:
    """Only a pending entry can be deleted."""
    entry = await WaitlistEntryRepository(session, ctx.instance_id).get_or_raise(
        waitlist_entry_id, lock=locked_for_delete
    )
    if entry.status != PENDING:
        raise waitlist_entry_already(entry.status)
    deleted = deleted_waitlist_entry_json(entry)
    await session.delete(entry)
    await flush(session)
    return deleted


async def invite_waitlist_entry(
    session: AsyncSession, ctx: RequestContext, *, waitlist_entry_id: str, body: InviteWaitlistEntryBody
) -> JSON:
    """A waitlist_invitation for the entry's address; an invited entry is invited again only with
    ignore_existing (its pending invitation is then replaced)."""
    entry = await WaitlistEntryRepository(session, ctx.instance_id).get_or_raise(waitlist_entry_id, lock=locked)
    if entry.status == COMPLETED or (entry.status == INVITED and not body.ignore_existing):
        raise waitlist_entry_already(entry.status)
    at_ms = now_ms()
    issued = await invitations.issue_invitation(
        session,
        ctx,
        CreateInvitationBody(
            email_address=entry.email_address,
            ignore_existing=body.ignore_existing,
            template_slug=INVITATION_TEMPLATE,
        ),
        at_ms=at_ms,
    )
    entry.status = INVITED
    entry.invitation_id = issued.invitation.id
    entry.invited_at = entry.updated_at = at_ms
    await flush(session)
    data = waitlist_entry_json(entry, invitation=issued.json(at_ms=at_ms), at_ms=at_ms)
    record(session, ctx, "waitlistEntry.updated", data)
    return data


async def reject_waitlist_entry(session: AsyncSession, ctx: RequestContext, *, waitlist_entry_id: str) -> JSON:
    entry = await WaitlistEntryRepository(session, ctx.instance_id).get_or_raise(waitlist_entry_id, lock=locked)
    if entry.status in (COMPLETED, REJECTED):
        raise waitlist_entry_already(entry.status)
    at_ms = now_ms()
    if entry.invitation_id is not None:
        await invitations.withdraw_invitation(session, ctx, invitation_id=entry.invitation_id, at_ms=at_ms)
    entry.status = REJECTED
    entry.updated_at = at_ms
    await flush(session)
    (data,) = await _render(session, ctx, [entry], at_ms=at_ms)
    record(session, ctx, "waitlistEntry.updated", data)
    return data


async def complete_for_invitation(session: AsyncSession, ctx: RequestContext, *, invitation_id: str) -> None:
    """The entry an accepted invitation was sent for (if any) is completed."""
    entry = await WaitlistEntryRepository(session, ctx.instance_id).of_invitation(invitation_id)
    if entry is None:
        return
    at_ms = now_ms()
    entry.status = COMPLETED
    entry.updated_at = at_ms
    await flush(session)
    (data,) = await _render(session, ctx, [entry], at_ms=at_ms)
    record(session, ctx, "waitlistEntry.updated", data)
