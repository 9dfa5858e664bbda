"""Organization Permissions operations (included by routes.py)."""

from typing import Annotated

from fastapi import Depends

from locum.api.bodies import request_body
from locum.api.deps import CurrentInstance, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_roles import permissions
from locum.resources.organization_roles.schemas import (
    CreateOrganizationPermissionBody,
    RoleListParams,
    UpdateOrganizationPermissionBody,
)

router = resource_router()

ListParams = Annotated[RoleListParams, query_model(RoleListParams)]
CreateBody = Annotated[
    CreateOrganizationPermissionBody, Depends(request_body(CreateOrganizationPermissionBody, invalid_status=422))
]
UpdateBody = Annotated[
    UpdateOrganizationPermissionBody, Depends(request_body(UpdateOrganizationPermissionBody, invalid_status=422))
]


@router.get("/organization_permissions", operation_id="ListOrganizationPermissions")
async def list_organization_permissions(
    instance: CurrentInstance, session: DbReadSession, params: ListParams
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await permissions.list_permissions(session, instance_id=instance.id, params=params))


@router.post("/organization_permissions", operation_id="CreateOrganizationPermission")
async def create_organization_permission(
    instance: CurrentInstance, session: DbSession, body: CreateBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await permissions.create_permission(session, instance_id=instance.id, body=body))


@router.get("/organization_permissions/{permission_id}", operation_id="GetOrganizationPermission")
async def get_organization_permission(
    permission_id: str, instance: CurrentInstance, session: DbReadSession
) -> ClerkJSONResponse:
    permission = await permissions.get_permission(session, instance_id=instance.id, permission_id=permission_id)
    return ClerkJSONResponse(permission)


@router.patch("/organization_permissions/{permission_id}", operation_id="UpdateOrganizationPermission")
async def update_organization_permission(
    permission_id: str, instance: CurrentInstance, session: DbSession, body: UpdateBody
) -> ClerkJSONResponse:
    permission = await permissions.update_permission(
        session, instance_id=instance.id, permission_id=permission_id, body=body
    )
    return ClerkJSONResponse(permission)


@router.delete("/organization_permissions/{permission_id}", operation_id="DeleteOrganizationPermission")
async def delete_organization_permission(
    permission_id: str, instance: CurrentInstance, session: DbSession
) -> ClerkJSONResponse:
    deleted = await permissions.delete_permission(session, instance_id=instance.id, permission_id=permission_id)
    return ClerkJSONResponse(deleted)
