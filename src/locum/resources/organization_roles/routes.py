"""Organization Roles operations; the Organization Permissions operations are included from
permission_routes.py (both tags share this package's rules)."""

from typing import Annotated

from fastapi import Depends

from locum.api.bodies import request_body
from locum.api.deps import CurrentInstance, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_roles import service
from locum.resources.organization_roles.permission_routes import router as permission_router
from locum.resources.organization_roles.schemas import (
    CreateOrganizationRoleBody,
    RoleListParams,
    UpdateOrganizationRoleBody,
)

router = resource_router()
router.include_router(permission_router)

ListParams = Annotated[RoleListParams, query_model(RoleListParams)]
CreateBody = Annotated[
    CreateOrganizationRoleBody, Depends(request_body(CreateOrganizationRoleBody, invalid_status=422))
]
UpdateBody = Annotated[
    UpdateOrganizationRoleBody, Depends(request_body(UpdateOrganizationRoleBody, invalid_status=422))
]


@router.get("/organization_roles", operation_id="ListOrganizationRoles")
async def list_organization_roles(
    instance: CurrentInstance, session: DbReadSession, params: ListParams
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_roles(session, instance_id=instance.id, params=params))


@router.post("/organization_roles", operation_id="CreateOrganizationRole")
async def create_organization_role(
    instance: CurrentInstance, session: DbSession, body: CreateBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_role(session, instance_id=instance.id, body=body))


@router.get("/organization_roles/{organization_role_id}", operation_id="GetOrganizationRole")
async def get_organization_role(
    organization_role_id: str, instance: CurrentInstance, session: DbReadSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_role(session, instance_id=instance.id, role_id=organization_role_id))


@router.patch("/organization_roles/{organization_role_id}", operation_id="UpdateOrganizationRole")
async def update_organization_role(
    organization_role_id: str, instance: CurrentInstance, session: DbSession, body: UpdateBody
) -> ClerkJSONResponse:
    role = await service.update_role(session, instance_id=instance.id, role_id=organization_role_id, body=body)
    return ClerkJSONResponse(role)


@router.delete("/organization_roles/{organization_role_id}", operation_id="DeleteOrganizationRole")
async def delete_organization_role(
    organization_role_id: str, instance: CurrentInstance, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_role(session, instance_id=instance.id, role_id=organization_role_id))


@router.post(
    "/organization_roles/{organization_role_id}/permissions/{permission_id}",
    operation_id="AssignPermissionToOrganizationRole",
)
async def assign_permission_to_organization_role(
    organization_role_id: str, permission_id: str, instance: CurrentInstance, session: DbSession
) -> ClerkJSONResponse:
    role = await service.assign_permission(
        session, instance_id=instance.id, role_id=organization_role_id, permission_id=permission_id
    )
    return ClerkJSONResponse(role)


@router.delete(
    "/organization_roles/{organization_role_id}/permissions/{permission_id}",
    operation_id="RemovePermissionFromOrganizationRole",
)
async def remove_permission_from_organization_role(
    organization_role_id: str, permission_id: str, instance: CurrentInstance, session: DbSession
) -> ClerkJSONResponse:
    role = await service.remove_permission(
        session, instance_id=instance.id, role_id=organization_role_id, permission_id=permission_id
    )
    return ClerkJSONResponse(role)
