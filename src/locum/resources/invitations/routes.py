"""Clerk's Invitations operations."""

from typing import Annotated

from fastapi import Body

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.invitations import service
from locum.resources.invitations.schemas import CreateInvitationBody, InvitationListParams

router = resource_router(tags=["Invitations"])


@router.post("/invitations", operation_id="CreateInvitation")
async def create_invitation(
    ctx: Context, session: DbSession, body: Annotated[CreateInvitationBody, body_of(CreateInvitationBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_invitation(session, ctx, body))


@router.get("/invitations", operation_id="ListInvitations")
async def list_invitations(
    ctx: Context,
    session: DbReadSession,
    params: Annotated[InvitationListParams, query_model(InvitationListParams)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_invitations(session, ctx, params))


@router.post("/invitations/bulk", operation_id="CreateBulkInvitations")
async def create_bulk_invitations(
    ctx: Context,
    session: DbSession,
    # A JSON array: body_of reads one object, so FastAPI parses the list (its items are ClerkBody).
    body: Annotated[list[CreateInvitationBody], Body()],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_invitations_bulk(session, ctx, body))


@router.post("/invitations/{invitation_id}/revoke", operation_id="RevokeInvitation")
async def revoke_invitation(invitation_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.revoke_invitation(session, ctx, invitation_id=invitation_id))
