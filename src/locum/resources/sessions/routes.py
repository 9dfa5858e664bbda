"""Clerk's Sessions operations (token minting from JWT templates lives with the templates)."""

from typing import Annotated

from fastapi import Body

from locum.api.deps import AppSealer, AppSettings, CurrentInstance, DbReader, DbReadSession, DbSession
from locum.api.errors import form_param_missing
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.kit.clock import now_ms
from locum.resources.sessions import refresh, repository, service
from locum.resources.sessions.schemas import (
    CreateSessionBody,
    CreateSessionTokenBody,
    RefreshSessionBody,
    SessionListParams,
)
from locum.resources.sessions.serializers import session_json
from locum.resources.sessions.tokens import mint_session_token

router = resource_router(tags=["Sessions"])

ListParams = Annotated[SessionListParams, query_model(SessionListParams)]


@router.get("/sessions", operation_id="GetSessionList")
async def list_sessions(instance: CurrentInstance, db: DbReadSession, params: ListParams) -> ClerkJSONResponse:
    sessions, total_count = await repository.list_sessions(db, instance_id=instance.id, params=params)
    # The spec shows a bare array; with paginated=true Clerk's SDKs expect {data, total_count}.
    return ClerkJSONResponse(sessions if total_count is None else {"data": sessions, "total_count": total_count})


@router.post("/sessions", operation_id="createSession")
async def create_session(
    instance: CurrentInstance,
    db: DbSession,
    sealer: AppSealer,
    settings: AppSettings,
    body: Annotated[CreateSessionBody | None, Body()] = None,
) -> ClerkJSONResponse:
    body = body or CreateSessionBody()
    if body.user_id is None:
        raise form_param_missing("user_id")
    session = await service.create_session(
        db,
        sealer,
        instance_id=instance.id,
        environment_type=instance.environment_type,
        user_id=body.user_id,
        active_organization_id=body.active_organization_id,
        origin=settings.origin,
    )
    return ClerkJSONResponse(session_json(session, now_ms()))


@router.get("/sessions/{session_id}", operation_id="GetSession")
async def get_session(session_id: str, instance: CurrentInstance, db: DbReadSession) -> ClerkJSONResponse:
    session = await service.find_session(db, instance_id=instance.id, session_id=session_id)
    return ClerkJSONResponse(session_json(session, now_ms()))


@router.post("/sessions/{session_id}/revoke", operation_id="RevokeSession")
async def revoke_session(
    session_id: str, instance: CurrentInstance, db: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    session = await service.revoke_session(db, instance_id=instance.id, session_id=session_id, origin=settings.origin)
    return ClerkJSONResponse(session_json(session, now_ms()))


@router.post("/sessions/{session_id}/tokens", operation_id="CreateSessionToken")
async def create_session_token(
    session_id: str,
    instance: CurrentInstance,
    reader: DbReader,
    body: Annotated[CreateSessionTokenBody | None, Body()] = None,
) -> ClerkJSONResponse:
    expires_in_seconds = body.expires_in_seconds if body else None
    jwt = await mint_session_token(reader, instance, session_id=session_id, expires_in_seconds=expires_in_seconds)
    return ClerkJSONResponse({"object": "token", "jwt": jwt})


@router.post("/sessions/{session_id}/refresh", operation_id="RefreshSession")
async def refresh_session(
    session_id: str, instance: CurrentInstance, db: DbSession, sealer: AppSealer, body: RefreshSessionBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await refresh.refresh_session(db, sealer, instance, session_id=session_id, body=body))
