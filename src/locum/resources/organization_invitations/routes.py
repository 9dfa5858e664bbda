from typing import Annotated

from fastapi import Body

from locum.api.deps import AppSettings, Context, CurrentInstance, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_invitations import service
from locum.resources.organization_invitations.schemas import (
    CreateOrganizationInvitationBody,
    InstanceInvitationListParams,
    OrganizationInvitationListParams,
    PageQuery,
    RevokeOrganizationInvitationBody,
    UserInvitationListParams,
)

router = resource_router()

OrganizationListParams = Annotated[OrganizationInvitationListParams, query_model(OrganizationInvitationListParams)]
InstanceListParams = Annotated[InstanceInvitationListParams, query_model(InstanceInvitationListParams)]
UserListParams = Annotated[UserInvitationListParams, query_model(UserInvitationListParams)]
PendingListParams = Annotated[PageQuery, query_model(PageQuery)]


def _list(data: list[dict[str, object]], total: int) -> ClerkJSONResponse:
    return ClerkJSONResponse({"data": data, "total_count": total})


@router.post("/organizations/{organization_id}/invitations", operation_id="CreateOrganizationInvitation")
async def create_organization_invitation(
    organization_id: str,
    body: CreateOrganizationInvitationBody,
    instance: CurrentInstance,
    ctx: Context,
    session: DbSession,
    settings: AppSettings,
) -> ClerkJSONResponse:
    (invitation,) = await service.create_invitations(
        session,
        instance_id=instance.id,
        organization_id=organization_id,
        bodies=[body],
        origin=settings.origin,
        ctx=ctx,
    )
    return ClerkJSONResponse(invitation)


@router.post("/organizations/{organization_id}/invitations/bulk", operation_id="CreateOrganizationInvitationBulk")
async def create_organization_invitation_bulk(
    organization_id: str,
    body: Annotated[list[CreateOrganizationInvitationBody], Body()],
    instance: CurrentInstance,
    ctx: Context,
    session: DbSession,
    settings: AppSettings,
) -> ClerkJSONResponse:
    invitations = await service.create_invitations(
        session, instance_id=instance.id, organization_id=organization_id, bodies=body, origin=settings.origin, ctx=ctx
    )
    return _list(invitations, len(invitations))


@router.get("/organizations/{organization_id}/invitations", operation_id="ListOrganizationInvitations")
async def list_organization_invitations(
    organization_id: str,
    instance: CurrentInstance,
    session: DbReadSession,
    settings: AppSettings,
    params: OrganizationListParams,
) -> ClerkJSONResponse:
    data, total = await service.list_organization_invitations(
        session, instance_id=instance.id, organization_id=organization_id, params=params, origin=settings.origin
    )
    return _list(data, total)


@router.get("/organizations/{organization_id}/invitations/pending", operation_id="ListPendingOrganizationInvitations")
async def list_pending_organization_invitations(
    organization_id: str,
    instance: CurrentInstance,
    session: DbReadSession,
    settings: AppSettings,
    page: PendingListParams,
) -> ClerkJSONResponse:
    params = OrganizationInvitationListParams(limit=page.limit, offset=page.offset)
    data, total = await service.list_organization_invitations(
        session,
        instance_id=instance.id,
        organization_id=organization_id,
        params=params,
        origin=settings.origin,
        pending_only=True,
    )
    return _list(data, total)


@router.get("/organizations/{organization_id}/invitations/{invitation_id}", operation_id="GetOrganizationInvitation")
async def get_organization_invitation(
    organization_id: str, invitation_id: str, instance: CurrentInstance, session: DbReadSession, settings: AppSettings
) -> ClerkJSONResponse:
    invitation = await service.get_invitation(
        session,
        instance_id=instance.id,
        organization_id=organization_id,
        invitation_id=invitation_id,
        origin=settings.origin,
    )
    return ClerkJSONResponse(invitation)


@router.post(
    "/organizations/{organization_id}/invitations/{invitation_id}/revoke", operation_id="RevokeOrganizationInvitation"
)
async def revoke_organization_invitation(
    organization_id: str,
    invitation_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[RevokeOrganizationInvitationBody | None, Body()] = None,
) -> ClerkJSONResponse:
    invitation = await service.revoke_invitation(
        session,
        instance_id=instance.id,
        organization_id=organization_id,
        invitation_id=invitation_id,
        requesting_user_id=body.requesting_user_id if body else None,
        origin=settings.origin,
    )
    return ClerkJSONResponse(invitation)


@router.get("/organization_invitations", operation_id="ListInstanceOrganizationInvitations")
async def list_instance_organization_invitations(
    instance: CurrentInstance, session: DbReadSession, settings: AppSettings, params: InstanceListParams
) -> ClerkJSONResponse:
    data, total = await service.list_instance_invitations(
        session, instance_id=instance.id, params=params, origin=settings.origin
    )
    return _list(data, total)


@router.get("/users/{user_id}/organization_invitations", operation_id="UsersGetOrganizationInvitations")
async def users_get_organization_invitations(
    user_id: str, instance: CurrentInstance, session: DbReadSession, settings: AppSettings, params: UserListParams
) -> ClerkJSONResponse:
    data, total = await service.list_user_invitations(
        session, instance_id=instance.id, user_id=user_id, params=params, origin=settings.origin
    )
    return _list(data, total)
