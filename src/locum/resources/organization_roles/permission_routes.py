"""Organization Permissions operations (included by routes.py)."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_roles import permissions
from locum.resources.organization_roles.schemas import (
    CreateOrganizationPermissionBody,
    KeyedListQuery,
    UpdateOrganizationPermissionBody,
)

router = resource_router()


@router.get("/organization_permissions", operation_id="ListOrganizationPermissions")
async def list_organization_permissions(
    ctx: Context, session: DbReadSession, query: Annotated[KeyedListQuery, query_model(KeyedListQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await permissions.list_permissions(session, ctx, query=query))


@router.post("/organization_permissions", operation_id="CreateOrganizationPermission")
async def create_organization_permission(
    ctx: Context,
    session: DbSession,
    body: Annotated[CreateOrganizationPermissionBody, body_of(CreateOrganizationPermissionBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await permissions.create_permission(session, ctx, body=body))


@router.get("/organization_permissions/{permission_id}", operation_id="GetOrganizationPermission")
async def get_organization_permission(permission_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await permissions.get_permission(session, ctx, permission_id=permission_id))


@router.patch("/organization_permissions/{permission_id}", operation_id="UpdateOrganizationPermission")
async def update_organization_permission(
    permission_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateOrganizationPermissionBody, body_of(UpdateOrganizationPermissionBody)],
) -> ClerkJSONResponse:
    permission = await permissions.update_permission(session, ctx, permission_id=permission_id, body=body)
    return ClerkJSONResponse(permission)


@router.delete("/organization_permissions/{permission_id}", operation_id="DeleteOrganizationPermission")
async def delete_organization_permission(permission_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await permissions.delete_permission(session, ctx, permission_id=permission_id))
