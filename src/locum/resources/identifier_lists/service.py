"""Allow-list and block-list rules: an identifier is parsed and normalized (identifiers.py) and
stored at most once per list, which the (instance_id, identifier) unique constraint enforces: a
duplicate, even from a concurrent request, is Clerk's duplicate_record.

CreateAllowlistIdentifier's `notify` is accepted and not acted on here: sending the invitation it
asks for belongs to the Invitations group.
"""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_format_invalid
from locum.api.pagination import ListBody, PaginatedQuery, list_body
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.resources.identifier_lists.errors import duplicate_identifier, identifier_not_found
from locum.resources.identifier_lists.identifiers import EMAIL_ADDRESS, ListedIdentifier, parse_identifier
from locum.resources.identifier_lists.repository import (
    AllowlistRepository,
    BlocklistRepository,
    IdentifierListRepository,
    Listed,
)
from locum.resources.identifier_lists.schemas import CreateAllowlistIdentifierBody, CreateBlocklistIdentifierBody
from locum.resources.identifier_lists.serializers import (
    allowlist_identifier_json,
    blocklist_identifier_json,
    deleted_identifier_json,
)
from locum.resources.invitations.schemas import CreateInvitationBody
from locum.resources.invitations.service import issue_invitation


def _parsed(raw: str) -> ListedIdentifier:
    parsed = parse_identifier(raw)
    if parsed is None:
        raise form_param_format_invalid(
            "identifier",
            "identifier must be an email address, *@domain, a phone number in E.164 format or a web3 wallet.",
        )
    return parsed


async def _add(session: AsyncSession, repository: IdentifierListRepository[Listed], list_name: str, raw: str) -> Listed:
    parsed = _parsed(raw)
    row = repository.add(identifier=parsed.identifier, identifier_type=parsed.identifier_type)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise duplicate_identifier(list_name, parsed.identifier) from exc
    return row


async def list_allowlist(session: AsyncSession, ctx: RequestContext, *, query: PaginatedQuery) -> ListBody:
    """A bare array as the spec shows; with paginated=true Clerk's SDKs expect {data, total_count}."""
    rows, total_count = await AllowlistRepository(session, ctx.instance_id).list_page(query)
    return list_body([allowlist_identifier_json(row) for row in rows], total_count)


async def create_allowlist_identifier(
    session: AsyncSession, ctx: RequestContext, *, body: CreateAllowlistIdentifierBody
) -> JSON:
    """With `notify`, an email address is also sent an invitation (Clerk invites email addresses and
    phone numbers; locum's invitations are by email)."""
    row = await _add(session, AllowlistRepository(session, ctx.instance_id), "allowlist", body.identifier)
    if body.notify and row.identifier_type == EMAIL_ADDRESS and not row.identifier.startswith("*"):
        invited = await issue_invitation(
            session, ctx, CreateInvitationBody(email_address=row.identifier, ignore_existing=True), at_ms=now_ms()
        )
        row.invitation_id = invited.invitation.id
        await session.flush()
    return allowlist_identifier_json(row)


async def delete_allowlist_identifier(session: AsyncSession, ctx: RequestContext, *, identifier_id: str) -> JSON:
    if not await AllowlistRepository(session, ctx.instance_id).delete(identifier_id):
        raise identifier_not_found(identifier_id)
    return deleted_identifier_json("allowlist_identifier", identifier_id)


async def list_blocklist(session: AsyncSession, ctx: RequestContext) -> JSON:
    """Every identifier, newest first: the operation takes no paging parameters."""
    rows = await BlocklistRepository(session, ctx.instance_id).list_all()
    return list_body([blocklist_identifier_json(row) for row in rows], len(rows))


async def create_blocklist_identifier(
    session: AsyncSession, ctx: RequestContext, *, body: CreateBlocklistIdentifierBody
) -> JSON:
    row = await _add(session, BlocklistRepository(session, ctx.instance_id), "blocklist", body.identifier)
    return blocklist_identifier_json(row)


async def delete_blocklist_identifier(session: AsyncSession, ctx: RequestContext, *, identifier_id: str) -> JSON:
    if not await BlocklistRepository(session, ctx.instance_id).delete(identifier_id):
        raise identifier_not_found(identifier_id)
    return deleted_identifier_json("blocklist_identifier", identifier_id)
