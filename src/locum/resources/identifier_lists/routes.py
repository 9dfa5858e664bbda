"""Clerk's Allow-list / Block-list operations."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.pagination import PaginatedQuery
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.identifier_lists import service
from locum.resources.identifier_lists.schemas import CreateAllowlistIdentifierBody, CreateBlocklistIdentifierBody

router = resource_router(tags=["Allow-list / Block-list"])

AllowlistBody = Annotated[CreateAllowlistIdentifierBody, body_of(CreateAllowlistIdentifierBody)]
BlocklistBody = Annotated[CreateBlocklistIdentifierBody, body_of(CreateBlocklistIdentifierBody)]


@router.get("/allowlist_identifiers", operation_id="ListAllowlistIdentifiers")
async def list_allowlist_identifiers(
    ctx: Context, session: DbReadSession, query: Annotated[PaginatedQuery, query_model(PaginatedQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_allowlist(session, ctx, query=query))


@router.post("/allowlist_identifiers", operation_id="CreateAllowlistIdentifier")
async def create_allowlist_identifier(ctx: Context, session: DbSession, body: AllowlistBody) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_allowlist_identifier(session, ctx, body=body))


@router.delete("/allowlist_identifiers/{identifier_id}", operation_id="DeleteAllowlistIdentifier")
async def delete_allowlist_identifier(identifier_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_allowlist_identifier(session, ctx, identifier_id=identifier_id))


@router.get("/blocklist_identifiers", operation_id="ListBlocklistIdentifiers")
async def list_blocklist_identifiers(ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_blocklist(session, ctx))


@router.post("/blocklist_identifiers", operation_id="CreateBlocklistIdentifier")
async def create_blocklist_identifier(ctx: Context, session: DbSession, body: BlocklistBody) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_blocklist_identifier(session, ctx, body=body))


@router.delete("/blocklist_identifiers/{identifier_id}", operation_id="DeleteBlocklistIdentifier")
async def delete_blocklist_identifier(identifier_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_blocklist_identifier(session, ctx, identifier_id=identifier_id))
