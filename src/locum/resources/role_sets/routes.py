"""Role Sets operations; the role set migrations (replace a set, replace a role in a set) are in migrations.py."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_roles.schemas import KeyedListQuery
from locum.resources.role_sets import migrations, service
from locum.resources.role_sets.schemas import (
    AddRolesToRoleSetBody,
    CreateRoleSetBody,
    ReplaceRoleInRoleSetBody,
    ReplaceRoleSetBody,
    UpdateRoleSetBody,
)

router = resource_router()


@router.get("/role_sets", operation_id="ListRoleSets")
async def list_role_sets(
    ctx: Context, session: DbReadSession, query: Annotated[KeyedListQuery, query_model(KeyedListQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_role_sets(session, ctx, query=query))


@router.post("/role_sets", operation_id="CreateRoleSet")
async def create_role_set(
    ctx: Context, session: DbSession, body: Annotated[CreateRoleSetBody, body_of(CreateRoleSetBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_role_set(session, ctx, body=body))


@router.get("/role_sets/{role_set_key_or_id}", operation_id="GetRoleSet")
async def get_role_set(role_set_key_or_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_role_set(session, ctx, key_or_id=role_set_key_or_id))


@router.patch("/role_sets/{role_set_key_or_id}", operation_id="UpdateRoleSet")
async def update_role_set(
    role_set_key_or_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateRoleSetBody, body_of(UpdateRoleSetBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_role_set(session, ctx, key_or_id=role_set_key_or_id, body=body))


@router.post("/role_sets/{role_set_key_or_id}/replace", operation_id="ReplaceRoleSet")
async def replace_role_set(
    role_set_key_or_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[ReplaceRoleSetBody, body_of(ReplaceRoleSetBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await migrations.replace_role_set(session, ctx, key_or_id=role_set_key_or_id, body=body))


@router.post("/role_sets/{role_set_key_or_id}/roles", operation_id="AddRolesToRoleSet")
async def add_roles_to_role_set(
    role_set_key_or_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[AddRolesToRoleSetBody, body_of(AddRolesToRoleSetBody)],
) -> ClerkJSONResponse:
    role_set = await service.add_roles_to_role_set(session, ctx, key_or_id=role_set_key_or_id, body=body)
    return ClerkJSONResponse(role_set)


@router.post("/role_sets/{role_set_key_or_id}/roles/replace", operation_id="ReplaceRoleInRoleSet")
async def replace_role_in_role_set(
    role_set_key_or_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[ReplaceRoleInRoleSetBody, body_of(ReplaceRoleInRoleSetBody)],
) -> ClerkJSONResponse:
    role_set = await migrations.replace_role_in_role_set(session, ctx, key_or_id=role_set_key_or_id, body=body)
    return ClerkJSONResponse(role_set)
