"""Clerk's (deprecated) SAML Connections operations."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.saml_connections import service
from locum.resources.saml_connections.schemas import (
    CreateSAMLConnectionBody,
    SAMLConnectionListQuery,
    UpdateSAMLConnectionBody,
)

router = resource_router(tags=["SAML Connections"])


@router.get("/saml_connections", operation_id="ListSAMLConnections")
async def list_saml_connections(
    ctx: Context,
    session: DbReadSession,
    query: Annotated[SAMLConnectionListQuery, query_model(SAMLConnectionListQuery)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_saml_connections(session, ctx, query=query))


@router.post("/saml_connections", operation_id="CreateSAMLConnection")
async def create_saml_connection(
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
    body: Annotated[CreateSAMLConnectionBody, body_of(CreateSAMLConnectionBody)],
) -> ClerkJSONResponse:
    """The IdP's metadata is fetched before the session's first query (service.py)."""
    return ClerkJSONResponse(await service.create_saml_connection(session, ctx, sealer, body=body))


@router.get("/saml_connections/{saml_connection_id}", operation_id="GetSAMLConnection")
async def get_saml_connection(saml_connection_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_saml_connection(session, ctx, saml_connection_id=saml_connection_id))


@router.patch("/saml_connections/{saml_connection_id}", operation_id="UpdateSAMLConnection")
async def update_saml_connection(
    saml_connection_id: str,
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
    body: Annotated[UpdateSAMLConnectionBody, body_of(UpdateSAMLConnectionBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.update_saml_connection(session, ctx, sealer, saml_connection_id=saml_connection_id, body=body)
    )


@router.delete("/saml_connections/{saml_connection_id}", operation_id="DeleteSAMLConnection")
async def delete_saml_connection(saml_connection_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_saml_connection(session, ctx, saml_connection_id=saml_connection_id))
