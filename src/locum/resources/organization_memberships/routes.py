from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.pagination import PageQuery
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_memberships import service
from locum.resources.organization_memberships.schemas import (
    CreateMembershipBody,
    MembershipListQuery,
    MembershipMetadataBody,
    OrderedPageQuery,
    UpdateMembershipBody,
)

router = resource_router()

MEMBERSHIPS = "/organizations/{organization_id}/memberships"
MEMBERSHIP = MEMBERSHIPS + "/{user_id}"


@router.post(MEMBERSHIPS, operation_id="CreateOrganizationMembership")
async def create_organization_membership(
    organization_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[CreateMembershipBody, body_of(CreateMembershipBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_membership(session, ctx, organization_id=organization_id, body=body))


@router.get(MEMBERSHIPS, operation_id="ListOrganizationMemberships")
async def list_organization_memberships(
    organization_id: str,
    ctx: Context,
    session: DbReadSession,
    query: Annotated[MembershipListQuery, query_model(MembershipListQuery)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.list_organization_memberships(session, ctx, organization_id=organization_id, query=query)
    )


@router.patch(MEMBERSHIP, operation_id="UpdateOrganizationMembership")
async def update_organization_membership(
    organization_id: str,
    user_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateMembershipBody, body_of(UpdateMembershipBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.update_membership_role(
            session, ctx, organization_id=organization_id, user_id=user_id, role_key=body.role
        )
    )


@router.delete(MEMBERSHIP, operation_id="DeleteOrganizationMembership")
async def delete_organization_membership(
    organization_id: str, user_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.delete_membership(session, ctx, organization_id=organization_id, user_id=user_id)
    )


@router.patch(MEMBERSHIP + "/metadata", operation_id="UpdateOrganizationMembershipMetadata")
async def update_organization_membership_metadata(
    organization_id: str,
    user_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[MembershipMetadataBody, body_of(MembershipMetadataBody)],
) -> ClerkJSONResponse:
    membership = await service.update_membership_metadata(
        session, ctx, organization_id=organization_id, user_id=user_id, body=body
    )
    return ClerkJSONResponse(membership)


@router.get("/users/{user_id}/organization_memberships", operation_id="UsersGetOrganizationMemberships")
async def users_get_organization_memberships(
    user_id: str, ctx: Context, session: DbReadSession, page: Annotated[PageQuery, query_model(PageQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_user_memberships(session, ctx, user_id=user_id, page=page))


@router.get("/organization_memberships", operation_id="InstanceGetOrganizationMemberships")
async def instance_get_organization_memberships(
    ctx: Context, session: DbReadSession, query: Annotated[OrderedPageQuery, query_model(OrderedPageQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_instance_memberships(session, ctx, query=query))
