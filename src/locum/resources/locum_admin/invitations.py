"""locum's own: accepting an organization invitation, which Clerk does through its Frontend API."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_invitations import service
from locum.resources.organization_invitations.schemas import AcceptOrganizationInvitationBody

router = resource_router(tags=["locum"])


@router.post("/organization_invitations/{invitation_id}/accept")
async def accept_organization_invitation(
    invitation_id: str,
    body: Annotated[AcceptOrganizationInvitationBody, body_of(AcceptOrganizationInvitationBody)],
    ctx: Context,
    session: DbSession,
) -> ClerkJSONResponse:
    invitation = await service.accept_invitation(session, ctx, invitation_id=invitation_id, user_id=body.user_id)
    return ClerkJSONResponse(invitation)
