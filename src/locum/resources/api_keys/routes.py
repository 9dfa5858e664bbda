"""Clerk's API Keys operations (also served without /v1, where Clerk's SDKs call them).

Bad input is a 400, as these operations declare (not the 422 of most of the API); a path id outside
the spec's pattern too, where an id of the right shape that names nothing is a 404.
"""

from typing import Annotated

from fastapi import Depends, Path

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReader, DbReadSession, DbSession, DbSessionOnDemand
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.api_keys import service
from locum.resources.api_keys.errors import api_key_id_invalid
from locum.resources.api_keys.schemas import (
    API_KEY_ID,
    ApiKeyListQuery,
    CreateApiKeyBody,
    RevokeApiKeyBody,
    UpdateApiKeyBody,
    VerifyApiKeyBody,
)

INVALID_INPUT_STATUS = 400

router = resource_router(tags=["API Keys"])


async def _api_key_id(api_key_id: Annotated[str, Path(alias="apiKeyID")]) -> str:
    if API_KEY_ID.fullmatch(api_key_id) is None:
        raise api_key_id_invalid()
    return api_key_id


ApiKeyID = Annotated[str, Depends(_api_key_id)]
ListQuery = Annotated[ApiKeyListQuery, query_model(ApiKeyListQuery, invalid_status=INVALID_INPUT_STATUS)]


# First: the hottest route of the group (FastAPI tries routes in order).
@router.post("/api_keys/verify", operation_id="verifyApiKey")
async def verify_api_key(
    ctx: Context,
    reader: DbReader,
    open_session: DbSessionOnDemand,
    body: Annotated[VerifyApiKeyBody, body_of(VerifyApiKeyBody, invalid_status=INVALID_INPUT_STATUS)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.verify_api_key(reader, open_session, ctx, secret=body.secret))


@router.post("/api_keys", operation_id="createApiKey", status_code=201)
async def create_api_key(
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
    body: Annotated[CreateApiKeyBody, body_of(CreateApiKeyBody, invalid_status=INVALID_INPUT_STATUS)],
) -> ClerkJSONResponse:
    created = await service.create_api_key(session, ctx, sealer=sealer, body=body)
    return ClerkJSONResponse(created, status_code=201)


@router.get("/api_keys", operation_id="getApiKeys")
async def get_api_keys(ctx: Context, session: DbReadSession, query: ListQuery) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_api_keys(session, ctx, query=query))


@router.get("/api_keys/{apiKeyID}", operation_id="getApiKey")
async def get_api_key(api_key_id: ApiKeyID, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_api_key(session, ctx, api_key_id=api_key_id))


@router.patch("/api_keys/{apiKeyID}", operation_id="updateApiKey")
async def update_api_key(
    api_key_id: ApiKeyID,
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateApiKeyBody, body_of(UpdateApiKeyBody, invalid_status=INVALID_INPUT_STATUS)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_api_key(session, ctx, api_key_id=api_key_id, body=body))


@router.delete("/api_keys/{apiKeyID}", operation_id="deleteApiKey")
async def delete_api_key(api_key_id: ApiKeyID, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_api_key(session, ctx, api_key_id=api_key_id))


@router.get("/api_keys/{apiKeyID}/secret", operation_id="getApiKeySecret")
async def get_api_key_secret(
    api_key_id: ApiKeyID, ctx: Context, session: DbReadSession, sealer: AppSealer
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_api_key_secret(session, ctx, sealer=sealer, api_key_id=api_key_id))


@router.post("/api_keys/{apiKeyID}/revoke", operation_id="revokeApiKey")
async def revoke_api_key(
    api_key_id: ApiKeyID,
    ctx: Context,
    session: DbSession,
    body: Annotated[RevokeApiKeyBody, body_of(RevokeApiKeyBody, invalid_status=INVALID_INPUT_STATUS)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.revoke_api_key(session, ctx, api_key_id=api_key_id, body=body))
