"""Clerk's Enterprise Connections operations, and locum's own link of a user to a connection."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReader, DbReadSession, DbSession, DbSessionOnDemand
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.enterprise_connections import accounts, service
from locum.resources.enterprise_connections.schemas import (
    AttachEnterpriseAccountBody,
    CreateEnterpriseConnectionBody,
    EnterpriseConnectionListQuery,
    TestRunListQuery,
    UpdateEnterpriseConnectionBody,
)

router = resource_router(tags=["Enterprise Connections"])
locum_router = resource_router(tags=["locum"])


@router.get("/enterprise_connections", operation_id="ListEnterpriseConnections")
async def list_enterprise_connections(
    ctx: Context,
    session: DbReadSession,
    query: Annotated[EnterpriseConnectionListQuery, query_model(EnterpriseConnectionListQuery)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_enterprise_connections(session, ctx, query=query))


@router.post("/enterprise_connections", operation_id="CreateEnterpriseConnection")
async def create_enterprise_connection(
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
    body: Annotated[CreateEnterpriseConnectionBody, body_of(CreateEnterpriseConnectionBody)],
) -> ClerkJSONResponse:
    """The IdP's metadata is fetched before the session's first query (service.py)."""
    return ClerkJSONResponse(
        await service.create_enterprise_connection(session, ctx, sealer, body=body), status_code=201
    )


@router.get("/enterprise_connections/{enterprise_connection_id}", operation_id="GetEnterpriseConnection")
async def get_enterprise_connection(
    enterprise_connection_id: str, ctx: Context, session: DbReadSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.get_enterprise_connection(session, ctx, connection_id=enterprise_connection_id)
    )


@router.patch("/enterprise_connections/{enterprise_connection_id}", operation_id="UpdateEnterpriseConnection")
async def update_enterprise_connection(
    enterprise_connection_id: str,
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
    body: Annotated[UpdateEnterpriseConnectionBody, body_of(UpdateEnterpriseConnectionBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.update_enterprise_connection(
            session, ctx, sealer, connection_id=enterprise_connection_id, body=body
        )
    )


@router.delete("/enterprise_connections/{enterprise_connection_id}", operation_id="DeleteEnterpriseConnection")
async def delete_enterprise_connection(
    enterprise_connection_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.delete_enterprise_connection(session, ctx, connection_id=enterprise_connection_id)
    )


@router.get(
    "/enterprise_connections/{enterprise_connection_id}/test_runs", operation_id="ListEnterpriseConnectionTestRuns"
)
async def list_enterprise_connection_test_runs(
    enterprise_connection_id: str,
    ctx: Context,
    session: DbReadSession,
    query: Annotated[TestRunListQuery, query_model(TestRunListQuery)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.list_test_runs(session, ctx, connection_id=enterprise_connection_id, query=query)
    )


@router.post(
    "/enterprise_connections/{enterprise_connection_id}/test_runs", operation_id="CreateEnterpriseConnectionTestRun"
)
async def create_enterprise_connection_test_run(
    enterprise_connection_id: str, ctx: Context, reader: DbReader, sessions: DbSessionOnDemand
) -> ClerkJSONResponse:
    """The configuration is read and the metadata fetched before the write session opens."""
    return ClerkJSONResponse(
        await service.create_test_run(reader, sessions, ctx, connection_id=enterprise_connection_id)
    )


@locum_router.post("/users/{user_id}/enterprise_accounts")
async def attach_enterprise_account(
    user_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[AttachEnterpriseAccountBody, body_of(AttachEnterpriseAccountBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await accounts.attach_enterprise_account(session, ctx, user_id=user_id, body=body))
