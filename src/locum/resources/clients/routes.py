"""Clerk's Clients operations."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReadSession
from locum.api.pagination import PaginatedQuery
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.clients import service
from locum.resources.clients.schemas import VerifyClientBody

router = resource_router(tags=["Clients"])


@router.get("/clients", operation_id="GetClientList")
async def list_clients(
    ctx: Context, session: DbReadSession, query: Annotated[PaginatedQuery, query_model(PaginatedQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_clients(session, ctx, query))


@router.post("/clients/verify", operation_id="VerifyClient")
async def verify_client(
    ctx: Context,
    session: DbReadSession,
    sealer: AppSealer,
    body: Annotated[VerifyClientBody, body_of(VerifyClientBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.verify_client(session, ctx, sealer, token=body.token))


@router.get("/clients/{client_id}", operation_id="GetClient")
async def get_client(client_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_client(session, ctx, client_id=client_id))
