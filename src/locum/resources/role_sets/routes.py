from typing import Annotated

from fastapi import Body

from locum.api.deps import CurrentInstance, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.role_sets import migrations, service
from locum.resources.role_sets.schemas import (
    AddRolesToRoleSetBody,
    CreateRoleSetBody,
    ReplaceRoleInRoleSetBody,
    ReplaceRoleSetBody,
    RoleSetListParams,
    UpdateRoleSetBody,
)

router = resource_router()

ListParams = Annotated[RoleSetListParams, query_model(RoleSetListParams)]


@router.get("/role_sets", operation_id="ListRoleSets")
async def list_role_sets(instance: CurrentInstance, session: DbReadSession, params: ListParams) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_role_sets(session, instance_id=instance.id, params=params))


@router.post("/role_sets", operation_id="CreateRoleSet")
async def create_role_set(instance: CurrentInstance, session: DbSession, body: CreateRoleSetBody) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_role_set(session, instance_id=instance.id, body=body))


@router.get("/role_sets/{role_set_key_or_id}", operation_id="GetRoleSet")
async def get_role_set(role_set_key_or_id: str, instance: CurrentInstance, session: DbReadSession) -> ClerkJSONResponse:
    role_set = await service.get_role_set(session, instance_id=instance.id, key_or_id=role_set_key_or_id)
    return ClerkJSONResponse(role_set)


@router.patch("/role_sets/{role_set_key_or_id}", operation_id="UpdateRoleSet")
async def update_role_set(
    role_set_key_or_id: str,
    instance: CurrentInstance,
    session: DbSession,
    body: Annotated[UpdateRoleSetBody | None, Body()] = None,
) -> ClerkJSONResponse:
    role_set = await service.update_role_set(
        session, instance_id=instance.id, key_or_id=role_set_key_or_id, body=body or UpdateRoleSetBody()
    )
    return ClerkJSONResponse(role_set)


@router.post("/role_sets/{role_set_key_or_id}/replace", operation_id="ReplaceRoleSet")
async def replace_role_set(
    role_set_key_or_id: str, instance: CurrentInstance, session: DbSession, body: ReplaceRoleSetBody
) -> ClerkJSONResponse:
    deleted = await migrations.replace_role_set(
        session, instance_id=instance.id, key_or_id=role_set_key_or_id, body=body
    )
    return ClerkJSONResponse(deleted)


@router.post("/role_sets/{role_set_key_or_id}/roles", operation_id="AddRolesToRoleSet")
async def add_roles_to_role_set(
    role_set_key_or_id: str, instance: CurrentInstance, session: DbSession, body: AddRolesToRoleSetBody
) -> ClerkJSONResponse:
    role_set = await service.add_roles_to_role_set(
        session, instance_id=instance.id, key_or_id=role_set_key_or_id, body=body
    )
    return ClerkJSONResponse(role_set)


@router.post("/role_sets/{role_set_key_or_id}/roles/replace", operation_id="ReplaceRoleInRoleSet")
async def replace_role_in_role_set(
    role_set_key_or_id: str, instance: CurrentInstance, session: DbSession, body: ReplaceRoleInRoleSetBody
) -> ClerkJSONResponse:
    role_set = await migrations.replace_role_in_role_set(
        session, instance_id=instance.id, key_or_id=role_set_key_or_id, body=body
    )
    return ClerkJSONResponse(role_set)
