"""Clerk's Clients operations."""

from typing import Annotated

from fastapi import Body
from pydantic import BaseModel, Field

from locum.api.bodies import ClerkBody, LongText
from locum.api.deps import AppSealer, CurrentInstance, DbReadSession
from locum.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.clients import service

router = resource_router(tags=["Clients"])


class ClientListParams(BaseModel):
    paginated: bool = False
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class VerifyClientBody(ClerkBody):
    token: LongText


@router.get("/clients", operation_id="GetClientList")
async def list_clients(
    instance: CurrentInstance, db: DbReadSession, params: Annotated[ClientListParams, query_model(ClientListParams)]
) -> ClerkJSONResponse:
    # Deprecated in the spec but still served, newest first, as Clerk does.
    clients = await service.list_clients(db, instance_id=instance.id, limit=params.limit, offset=params.offset)
    if not params.paginated:
        return ClerkJSONResponse(clients)
    return ClerkJSONResponse({"data": clients, "total_count": await service.count_clients(db, instance_id=instance.id)})


@router.post("/clients/verify", operation_id="VerifyClient")
async def verify_client(
    instance: CurrentInstance, db: DbReadSession, sealer: AppSealer, body: Annotated[VerifyClientBody, Body()]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.verify_client(db, sealer, instance, body.token))


@router.get("/clients/{client_id}", operation_id="GetClient")
async def get_client(client_id: str, instance: CurrentInstance, db: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_client(db, instance_id=instance.id, client_id=client_id))
