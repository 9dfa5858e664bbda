"""locum's own: accepting an organization invitation, which Clerk does through its Frontend API."""

from locum.api.deps import AppSettings, CurrentInstance, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_invitations import service
from locum.resources.organization_invitations.schemas import AcceptOrganizationInvitationBody

router = resource_router(tags=["locum"])


@router.post("/organization_invitations/{invitation_id}/accept")
async def accept_organization_invitation(
    invitation_id: str,
    body: AcceptOrganizationInvitationBody,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
) -> ClerkJSONResponse:
    invitation = await service.accept_invitation(
        session, instance_id=instance.id, invitation_id=invitation_id, user_id=body.user_id, origin=settings.origin
    )
    return ClerkJSONResponse(invitation)
