"""Clerk's Sessions operations (token minting from JWT templates lives with the templates)."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReader, DbReadSession, DbSession
from locum.api.environments import DevelopmentOnly
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.sessions import refresh, service, tokens
from locum.resources.sessions.schemas import (
    CreateSessionBody,
    CreateSessionTokenBody,
    RefreshSessionBody,
    SessionListQuery,
)

router = resource_router(tags=["Sessions"])


@router.get("/sessions", operation_id="GetSessionList")
async def list_sessions(
    ctx: Context, session: DbReadSession, query: Annotated[SessionListQuery, query_model(SessionListQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_sessions(session, ctx, query))


@router.post("/sessions", operation_id="createSession", dependencies=[DevelopmentOnly])
async def create_session(
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
    body: Annotated[CreateSessionBody, body_of(CreateSessionBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_session(session, ctx, sealer, body))


@router.get("/sessions/{session_id}", operation_id="GetSession")
async def get_session(session_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_session(session, ctx, session_id=session_id))


@router.post("/sessions/{session_id}/revoke", operation_id="RevokeSession")
async def revoke_session(session_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.revoke_session(session, ctx, session_id=session_id))


@router.post("/sessions/{session_id}/tokens", operation_id="CreateSessionToken")
async def create_session_token(
    session_id: str,
    ctx: Context,
    reader: DbReader,
    body: Annotated[CreateSessionTokenBody, body_of(CreateSessionTokenBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await tokens.create_session_token(reader, ctx, session_id=session_id, body=body))


@router.post("/sessions/{session_id}/refresh", operation_id="RefreshSession")
async def refresh_session(
    session_id: str,
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
    body: Annotated[RefreshSessionBody, body_of(RefreshSessionBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await refresh.refresh_session(session, ctx, sealer, session_id=session_id, body=body))
