from typing import Annotated

from fastapi import Body

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.pagination import PageQuery
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_invitations import service
from locum.resources.organization_invitations.schemas import (
    CreateOrganizationInvitationBody,
    InstanceInvitationListParams,
    OrganizationInvitationListParams,
    RevokeOrganizationInvitationBody,
    UserInvitationListParams,
)

router = resource_router()

OrganizationListParams = Annotated[OrganizationInvitationListParams, query_model(OrganizationInvitationListParams)]
InstanceListParams = Annotated[InstanceInvitationListParams, query_model(InstanceInvitationListParams)]
UserListParams = Annotated[UserInvitationListParams, query_model(UserInvitationListParams)]
PendingListParams = Annotated[PageQuery, query_model(PageQuery)]


@router.post("/organizations/{organization_id}/invitations", operation_id="CreateOrganizationInvitation")
async def create_organization_invitation(
    organization_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[CreateOrganizationInvitationBody, body_of(CreateOrganizationInvitationBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_invitation(session, ctx, organization_id=organization_id, body=body))


@router.post("/organizations/{organization_id}/invitations/bulk", operation_id="CreateOrganizationInvitationBulk")
async def create_organization_invitation_bulk(
    organization_id: str,
    ctx: Context,
    session: DbSession,
    # A JSON array: body_of reads one object, so FastAPI parses the list (its items are ClerkBody).
    body: Annotated[list[CreateOrganizationInvitationBody], Body()],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.create_invitations_bulk(session, ctx, organization_id=organization_id, bodies=body)
    )


@router.get("/organizations/{organization_id}/invitations", operation_id="ListOrganizationInvitations")
async def list_organization_invitations(
    organization_id: str, ctx: Context, session: DbReadSession, params: OrganizationListParams
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.list_organization_invitations(session, ctx, organization_id=organization_id, params=params)
    )


@router.get("/organizations/{organization_id}/invitations/pending", operation_id="ListPendingOrganizationInvitations")
async def list_pending_organization_invitations(
    organization_id: str, ctx: Context, session: DbReadSession, page: PendingListParams
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.list_pending_organization_invitations(session, ctx, organization_id=organization_id, page=page)
    )


@router.get("/organizations/{organization_id}/invitations/{invitation_id}", operation_id="GetOrganizationInvitation")
async def get_organization_invitation(
    organization_id: str, invitation_id: str, ctx: Context, session: DbReadSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.get_invitation(session, ctx, organization_id=organization_id, invitation_id=invitation_id)
    )


@router.post(
    "/organizations/{organization_id}/invitations/{invitation_id}/revoke", operation_id="RevokeOrganizationInvitation"
)
async def revoke_organization_invitation(
    organization_id: str,
    invitation_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[RevokeOrganizationInvitationBody, body_of(RevokeOrganizationInvitationBody)],
) -> ClerkJSONResponse:
    invitation = await service.revoke_invitation(
        session,
        ctx,
        organization_id=organization_id,
        invitation_id=invitation_id,
        requesting_user_id=body.requesting_user_id,
    )
    return ClerkJSONResponse(invitation)


@router.get("/organization_invitations", operation_id="ListInstanceOrganizationInvitations")
async def list_instance_organization_invitations(
    ctx: Context, session: DbReadSession, params: InstanceListParams
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_instance_invitations(session, ctx, params=params))


@router.get("/users/{user_id}/organization_invitations", operation_id="UsersGetOrganizationInvitations")
async def users_get_organization_invitations(
    user_id: str, ctx: Context, session: DbReadSession, params: UserListParams
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_user_invitations(session, ctx, user_id=user_id, params=params))
