"""Organization Roles operations; the Organization Permissions operations are included from
permission_routes.py (both tags share this package's rules)."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_roles import service
from locum.resources.organization_roles.permission_routes import router as permission_router
from locum.resources.organization_roles.schemas import (
    CreateOrganizationRoleBody,
    KeyedListQuery,
    UpdateOrganizationRoleBody,
)

router = resource_router()
router.include_router(permission_router)


@router.get("/organization_roles", operation_id="ListOrganizationRoles")
async def list_organization_roles(
    ctx: Context, session: DbReadSession, query: Annotated[KeyedListQuery, query_model(KeyedListQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_roles(session, ctx, query=query))


@router.post("/organization_roles", operation_id="CreateOrganizationRole")
async def create_organization_role(
    ctx: Context,
    session: DbSession,
    body: Annotated[CreateOrganizationRoleBody, body_of(CreateOrganizationRoleBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_role(session, ctx, body=body))


@router.get("/organization_roles/{organization_role_id}", operation_id="GetOrganizationRole")
async def get_organization_role(organization_role_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_role(session, ctx, role_id=organization_role_id))


@router.patch("/organization_roles/{organization_role_id}", operation_id="UpdateOrganizationRole")
async def update_organization_role(
    organization_role_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateOrganizationRoleBody, body_of(UpdateOrganizationRoleBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_role(session, ctx, role_id=organization_role_id, body=body))


@router.delete("/organization_roles/{organization_role_id}", operation_id="DeleteOrganizationRole")
async def delete_organization_role(organization_role_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_role(session, ctx, role_id=organization_role_id))


@router.post(
    "/organization_roles/{organization_role_id}/permissions/{permission_id}",
    operation_id="AssignPermissionToOrganizationRole",
)
async def assign_permission_to_organization_role(
    organization_role_id: str, permission_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    role = await service.assign_permission(session, ctx, role_id=organization_role_id, permission_id=permission_id)
    return ClerkJSONResponse(role)


@router.delete(
    "/organization_roles/{organization_role_id}/permissions/{permission_id}",
    operation_id="RemovePermissionFromOrganizationRole",
)
async def remove_permission_from_organization_role(
    organization_role_id: str, permission_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    role = await service.remove_permission(session, ctx, role_id=organization_role_id, permission_id=permission_id)
    return ClerkJSONResponse(role)
