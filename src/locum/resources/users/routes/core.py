from typing import Annotated

from fastapi import Body

from locum.api.deps import ApiVersion, AppSealer, AppSettings, Context, CurrentInstance, DbReader, DbSession
from locum.api.errors import not_found
from locum.api.ordering import parse_order_by
from locum.api.paging import PageQuery
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse, json_array
from locum.api.routing import resource_router
from locum.resources.users import repository, service
from locum.resources.users.schemas import CreateUserBody, UpdateUserBody, UserFilters, UserListParams

router = resource_router()

ListParams = Annotated[UserListParams, query_model(UserListParams)]
Filters = Annotated[UserFilters, query_model(UserFilters)]


@router.get("/users", operation_id="GetUserList")
async def get_user_list(
    instance: CurrentInstance, reader: DbReader, settings: AppSettings, params: ListParams
) -> ClerkJSONResponse:
    order_by = params.order_by[0] if params.order_by else None
    ordering = parse_order_by(order_by, repository.ORDER_COLUMNS, repository.DEFAULT_ORDER)
    documents = await repository.list_user_documents(
        reader,
        instance_id=instance.id,
        origin=settings.origin,
        filters=params,
        ordering=ordering,
        page=PageQuery(limit=params.limit, offset=params.offset),
        starting_after=params.starting_after,
    )
    return ClerkJSONResponse(json_array(documents))


@router.get("/users/count", operation_id="GetUsersCount")
async def get_users_count(instance: CurrentInstance, reader: DbReader, filters: Filters) -> ClerkJSONResponse:
    total = await repository.count_users(reader, instance_id=instance.id, filters=filters)
    return ClerkJSONResponse({"object": "total_count", "total_count": total})


@router.post("/users", operation_id="CreateUser")
async def create_user(
    instance: CurrentInstance,
    session: DbSession,
    sealer: AppSealer,
    settings: AppSettings,
    body: Annotated[CreateUserBody | None, Body()] = None,
) -> ClerkJSONResponse:
    user = await service.create_user(
        session, sealer, instance_id=instance.id, body=body or CreateUserBody(), origin=settings.origin
    )
    return ClerkJSONResponse(user)


@router.get("/users/{user_id}", operation_id="GetUser")
async def get_user(
    user_id: str, instance: CurrentInstance, reader: DbReader, settings: AppSettings
) -> ClerkJSONResponse:
    document = await repository.fetch_user_document(
        reader, instance_id=instance.id, user_id=user_id, origin=settings.origin
    )
    if document is None:
        raise not_found("user")
    return ClerkJSONResponse(document)


@router.patch("/users/{user_id}", operation_id="UpdateUser")
async def update_user(
    user_id: str,
    instance: CurrentInstance,
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
    settings: AppSettings,
    api_version: ApiVersion,
    body: Annotated[UpdateUserBody | None, Body()] = None,
) -> ClerkJSONResponse:
    user = await service.update_user(
        session,
        sealer,
        instance_id=instance.id,
        user_id=user_id,
        body=body or UpdateUserBody(),
        origin=settings.origin,
        api_version=api_version,
        ctx=ctx,
    )
    return ClerkJSONResponse(user)


@router.delete("/users/{user_id}", operation_id="DeleteUser")
async def delete_user(
    user_id: str, instance: CurrentInstance, ctx: Context, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    deleted = await service.delete_user(
        session, instance_id=instance.id, user_id=user_id, origin=settings.origin, ctx=ctx
    )
    return ClerkJSONResponse(deleted)
