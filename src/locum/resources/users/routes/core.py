from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReader, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.users import service
from locum.resources.users.schemas import CreateUserBody, UpdateUserBody, UserFilters, UserListParams

router = resource_router()

ListParams = Annotated[UserListParams, query_model(UserListParams)]
Filters = Annotated[UserFilters, query_model(UserFilters)]


@router.get("/users", operation_id="GetUserList")
async def get_user_list(ctx: Context, reader: DbReader, params: ListParams) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_users(reader, ctx, params))


@router.get("/users/count", operation_id="GetUsersCount")
async def get_users_count(ctx: Context, reader: DbReader, filters: Filters) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.count_users(reader, ctx, filters))


@router.post("/users", operation_id="CreateUser")
async def create_user(
    ctx: Context,
    session: DbSession,
    reader: DbReader,
    sealer: AppSealer,
    body: Annotated[CreateUserBody, body_of(CreateUserBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_user(session, ctx, body, sealer=sealer, reader=reader))


@router.get("/users/{user_id}", operation_id="GetUser")
async def get_user(user_id: str, ctx: Context, reader: DbReader) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_user_document(reader, ctx, user_id))


@router.patch("/users/{user_id}", operation_id="UpdateUser")
async def update_user(
    user_id: str,
    ctx: Context,
    session: DbSession,
    reader: DbReader,
    sealer: AppSealer,
    body: Annotated[UpdateUserBody, body_of(UpdateUserBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_user(session, reader, ctx, user_id, body, sealer=sealer))


@router.delete("/users/{user_id}", operation_id="DeleteUser")
async def delete_user(user_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_user(session, ctx, user_id))
