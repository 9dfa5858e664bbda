"""Clerk's Redirect URLs operations."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.pagination import PaginatedQuery
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.redirect_urls import service
from locum.resources.redirect_urls.schemas import CreateRedirectURLBody

router = resource_router(tags=["Redirect URLs"])


@router.get("/redirect_urls", operation_id="ListRedirectURLs")
async def list_redirect_urls(
    ctx: Context, session: DbReadSession, query: Annotated[PaginatedQuery, query_model(PaginatedQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_redirect_urls(session, ctx, query=query))


@router.post("/redirect_urls", operation_id="CreateRedirectURL")
async def create_redirect_url(
    ctx: Context, session: DbSession, body: Annotated[CreateRedirectURLBody, body_of(CreateRedirectURLBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_redirect_url(session, ctx, url=body.url))


@router.get("/redirect_urls/{id}", operation_id="GetRedirectURL")
async def get_redirect_url(id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_redirect_url(session, ctx, redirect_url_id=id))


@router.delete("/redirect_urls/{id}", operation_id="DeleteRedirectURL")
async def delete_redirect_url(id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_redirect_url(session, ctx, redirect_url_id=id))
