"""Clerk's SCIM Directories and Directories operations: one resource under two names, each with its
own router (tag, path parameter, object name) over the same service."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.pagination import PageParams
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.directories import service
from locum.resources.directories.schemas import CreateDirectoryBody, CreateSCIMDirectoryBody, UpdateDirectoryBody

scim_directories_router = resource_router(tags=["SCIM Directories"])
directories_router = resource_router(tags=["Directories"])


@scim_directories_router.get("/scim_directories", operation_id="ListSCIMDirectories")
async def list_scim_directories(ctx: Context, session: DbReadSession, query: PageParams) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_directories(session, ctx, "scim_directory", query=query))


@scim_directories_router.post("/scim_directories", operation_id="CreateSCIMDirectory")
async def create_scim_directory(
    ctx: Context, session: DbSession, body: Annotated[CreateSCIMDirectoryBody, body_of(CreateSCIMDirectoryBody)]
) -> ClerkJSONResponse:
    directory = await service.create_directory(
        session,
        ctx,
        "scim_directory",
        enterprise_connection_id=body.enterprise_connection_id,
        provider=body.provider,
        name=body.name,
        group_role_mappings=body.mappings(),
        group_param="scim_group_id",
    )
    return ClerkJSONResponse(directory)


@scim_directories_router.get("/scim_directories/{scim_directory_id}", operation_id="GetSCIMDirectory")
async def get_scim_directory(scim_directory_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.get_directory(session, ctx, "scim_directory", directory_id=scim_directory_id)
    )


@scim_directories_router.patch("/scim_directories/{scim_directory_id}", operation_id="UpdateSCIMDirectory")
async def update_scim_directory(
    scim_directory_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateDirectoryBody, body_of(UpdateDirectoryBody)],
) -> ClerkJSONResponse:
    directory = await service.update_directory(
        session, ctx, "scim_directory", directory_id=scim_directory_id, body=body
    )
    return ClerkJSONResponse(directory)


@scim_directories_router.delete("/scim_directories/{scim_directory_id}", operation_id="DeleteSCIMDirectory")
async def delete_scim_directory(scim_directory_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.delete_directory(session, ctx, "scim_directory", directory_id=scim_directory_id)
    )


@directories_router.get("/directories", operation_id="ListDirectories")
async def list_directories(ctx: Context, session: DbReadSession, query: PageParams) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_directories(session, ctx, "directory", query=query))


@directories_router.post("/directories", operation_id="CreateDirectory")
async def create_directory(
    ctx: Context, session: DbSession, body: Annotated[CreateDirectoryBody, body_of(CreateDirectoryBody)]
) -> ClerkJSONResponse:
    directory = await service.create_directory(
        session,
        ctx,
        "directory",
        enterprise_connection_id=body.enterprise_connection_id,
        provider=body.provider,
        name=body.name,
        group_role_mappings=body.mappings(),
        group_param="directory_group_id",
    )
    return ClerkJSONResponse(directory)


@directories_router.get("/directories/{directory_id}", operation_id="GetDirectory")
async def get_directory(directory_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_directory(session, ctx, "directory", directory_id=directory_id))


@directories_router.patch("/directories/{directory_id}", operation_id="UpdateDirectory")
async def update_directory(
    directory_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateDirectoryBody, body_of(UpdateDirectoryBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.update_directory(session, ctx, "directory", directory_id=directory_id, body=body)
    )


@directories_router.delete("/directories/{directory_id}", operation_id="DeleteDirectory")
async def delete_directory(directory_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_directory(session, ctx, "directory", directory_id=directory_id))
