from typing import Annotated

from fastapi import Body, Depends, Query

from locum.api.routing import resource_router
from locum.api.deps import ApiVersion, AppSettings, CurrentInstance, DbReader, DbSession
from locum.api.errors import not_found
from locum.api.ordering import parse_order_by
from locum.api.pagination import PageParams
from locum.api.responses import ClerkJSONResponse, json_array
from locum.resources.users import repository, service
from locum.resources.users.repository import UserFilters
from locum.resources.users.schemas import CreateUserBody, UpdateUserBody

router = resource_router()

StrList = Annotated[list[str], Query()]


async def user_filters(
    email_address: StrList = [],  # noqa: B006 (FastAPI copies list defaults)
    phone_number: StrList = [],  # noqa: B006
    external_id: StrList = [],  # noqa: B006
    username: StrList = [],  # noqa: B006
    web3_wallet: StrList = [],  # noqa: B006
    user_id: StrList = [],  # noqa: B006
    organization_id: StrList = [],  # noqa: B006
    query: str | None = None,
    email_address_query: str | None = None,
    phone_number_query: str | None = None,
    username_query: str | None = None,
    name_query: str | None = None,
    banned: bool | None = None,
    last_active_at_before: int | None = None,
    last_active_at_after: int | None = None,
    last_active_at_since: int | None = None,
    created_at_before: int | None = None,
    created_at_after: int | None = None,
    last_sign_in_at_before: int | None = None,
    last_sign_in_at_after: int | None = None,
    provider: str | None = None,
    provider_user_id: StrList = [],  # noqa: B006
) -> UserFilters:
    return UserFilters(
        email_address=email_address,
        phone_number=phone_number,
        external_id=external_id,
        username=username,
        web3_wallet=web3_wallet,
        user_id=user_id,
        organization_id=organization_id,
        query=query or None,
        email_address_query=email_address_query or None,
        phone_number_query=phone_number_query or None,
        username_query=username_query or None,
        name_query=name_query or None,
        banned=banned,
        last_active_at_before=last_active_at_before,
        # `last_active_at_since` is the deprecated name of `last_active_at_after`.
        last_active_at_after=last_active_at_after if last_active_at_after is not None else last_active_at_since,
        created_at_before=created_at_before,
        created_at_after=created_at_after,
        last_sign_in_at_before=last_sign_in_at_before,
        last_sign_in_at_after=last_sign_in_at_after,
        provider=provider,
        provider_user_id=provider_user_id,
    )


Filters = Annotated[UserFilters, Depends(user_filters)]


@router.get("/users", operation_id="GetUserList")
async def get_user_list(
    instance: CurrentInstance,
    reader: DbReader,
    filters: Filters,
    page: PageParams,
    order_by: Annotated[list[str], Query()] = [],  # noqa: B006 (only the first is used, as Clerk does)
    starting_after: str | None = None,
) -> ClerkJSONResponse:
    ordering = parse_order_by(order_by[0] if order_by else None, repository.ORDER_COLUMNS, repository.DEFAULT_ORDER)
    documents = await repository.list_user_documents(
        reader, instance_id=instance.id, filters=filters, ordering=ordering, page=page, starting_after=starting_after
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
    settings: AppSettings,
    body: Annotated[CreateUserBody | None, Body()] = None,
) -> ClerkJSONResponse:
    user = await service.create_user(
        session, instance_id=instance.id, body=body or CreateUserBody(), origin=settings.origin
    )
    return ClerkJSONResponse(user)


@router.get("/users/{user_id}", operation_id="GetUser")
async def get_user(user_id: str, instance: CurrentInstance, reader: DbReader) -> ClerkJSONResponse:
    document = await repository.fetch_user_document(reader, instance_id=instance.id, user_id=user_id)
    if document is None:
        raise not_found("user")
    return ClerkJSONResponse(document)


@router.patch("/users/{user_id}", operation_id="UpdateUser")
async def update_user(
    user_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    api_version: ApiVersion,
    body: Annotated[UpdateUserBody | None, Body()] = None,
) -> ClerkJSONResponse:
    user = await service.update_user(
        session,
        instance_id=instance.id,
        user_id=user_id,
        body=body or UpdateUserBody(),
        origin=settings.origin,
        api_version=api_version,
    )
    return ClerkJSONResponse(user)


@router.delete("/users/{user_id}", operation_id="DeleteUser")
async def delete_user(user_id: str, instance: CurrentInstance, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_user(session, instance_id=instance.id, user_id=user_id))
