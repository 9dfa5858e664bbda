from typing import Annotated

from fastapi import Body

from locum.api.deps import AppSettings, CurrentInstance, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_memberships import service
from locum.resources.organization_memberships.schemas import (
    CreateMembershipBody,
    MembershipListQuery,
    MembershipMetadataBody,
    OrderedPageQuery,
    PageQuery,
    UpdateMembershipBody,
)

router = resource_router()

MEMBERSHIPS = "/organizations/{organization_id}/memberships"
MEMBERSHIP = MEMBERSHIPS + "/{user_id}"


@router.post(MEMBERSHIPS, operation_id="CreateOrganizationMembership")
async def create_organization_membership(
    organization_id: str,
    body: CreateMembershipBody,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
) -> ClerkJSONResponse:
    membership = await service.create_membership(
        session, instance_id=instance.id, organization_id=organization_id, body=body, origin=settings.origin
    )
    return ClerkJSONResponse(membership)


@router.get(MEMBERSHIPS, operation_id="ListOrganizationMemberships")
async def list_organization_memberships(
    organization_id: str,
    instance: CurrentInstance,
    session: DbReadSession,
    settings: AppSettings,
    query: Annotated[MembershipListQuery, query_model(MembershipListQuery)],
) -> ClerkJSONResponse:
    page = await service.list_organization_memberships(
        session, instance_id=instance.id, organization_id=organization_id, query=query, origin=settings.origin
    )
    return ClerkJSONResponse(page)


@router.patch(MEMBERSHIP, operation_id="UpdateOrganizationMembership")
async def update_organization_membership(
    organization_id: str,
    user_id: str,
    body: UpdateMembershipBody,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
) -> ClerkJSONResponse:
    membership = await service.update_membership_role(
        session,
        instance_id=instance.id,
        organization_id=organization_id,
        user_id=user_id,
        role_key=body.role,
        origin=settings.origin,
    )
    return ClerkJSONResponse(membership)


@router.delete(MEMBERSHIP, operation_id="DeleteOrganizationMembership")
async def delete_organization_membership(
    organization_id: str, user_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    membership = await service.delete_membership(
        session, instance_id=instance.id, organization_id=organization_id, user_id=user_id, origin=settings.origin
    )
    return ClerkJSONResponse(membership)


@router.patch(MEMBERSHIP + "/metadata", operation_id="UpdateOrganizationMembershipMetadata")
async def update_organization_membership_metadata(
    organization_id: str,
    user_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[MembershipMetadataBody | None, Body()] = None,
) -> ClerkJSONResponse:
    membership = await service.update_membership_metadata(
        session,
        instance_id=instance.id,
        organization_id=organization_id,
        user_id=user_id,
        body=body or MembershipMetadataBody(),
        origin=settings.origin,
    )
    return ClerkJSONResponse(membership)


@router.get("/users/{user_id}/organization_memberships", operation_id="UsersGetOrganizationMemberships")
async def users_get_organization_memberships(
    user_id: str,
    instance: CurrentInstance,
    session: DbReadSession,
    settings: AppSettings,
    page: Annotated[PageQuery, query_model(PageQuery)],
) -> ClerkJSONResponse:
    memberships = await service.list_user_memberships(
        session, instance_id=instance.id, user_id=user_id, page=page, origin=settings.origin
    )
    return ClerkJSONResponse(memberships)


@router.get("/organization_memberships", operation_id="InstanceGetOrganizationMemberships")
async def instance_get_organization_memberships(
    instance: CurrentInstance,
    session: DbReadSession,
    settings: AppSettings,
    query: Annotated[OrderedPageQuery, query_model(OrderedPageQuery)],
) -> ClerkJSONResponse:
    memberships = await service.list_instance_memberships(
        session, instance_id=instance.id, query=query, origin=settings.origin
    )
    return ClerkJSONResponse(memberships)
