"""Clerk's M2M Tokens operations (also served without /v1, where Clerk's SDKs call them).

They take the instance's secret key or a machine's (ctx.machine_id); creating a token takes a
machine's. Invalid input is a 400, as these operations declare.
"""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReader, DbReadSession, DbSession, DbSessionOnDemand
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.m2m_tokens import service, verification
from locum.resources.m2m_tokens.schemas import (
    CreateM2MTokenBody,
    M2MTokenListQuery,
    RevokeM2MTokenBody,
    VerifyM2MTokenBody,
)

router = resource_router(tags=["M2M Tokens"])

INVALID_INPUT_STATUS = 400


@router.post("/m2m_tokens/verify", operation_id="verifyM2MToken")
async def verify_m2m_token(
    ctx: Context,
    reader: DbReader,
    write_session: DbSessionOnDemand,
    body: Annotated[VerifyM2MTokenBody, body_of(VerifyM2MTokenBody, invalid_status=INVALID_INPUT_STATUS)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await verification.verify_token(reader, write_session, ctx, token=body.token))


@router.post("/m2m_tokens", operation_id="createM2MToken", status_code=201)
async def create_m2m_token(
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
    body: Annotated[CreateM2MTokenBody, body_of(CreateM2MTokenBody, invalid_status=INVALID_INPUT_STATUS)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_token(session, ctx, sealer=sealer, body=body), status_code=201)


@router.get("/m2m_tokens", operation_id="getM2MTokens")
async def get_m2m_tokens(
    ctx: Context,
    session: DbReadSession,
    query: Annotated[M2MTokenListQuery, query_model(M2MTokenListQuery, invalid_status=INVALID_INPUT_STATUS)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_tokens(session, ctx, query=query))


@router.post("/m2m_tokens/{m2m_token_id}/revoke", operation_id="revokeM2MToken")
async def revoke_m2m_token(
    m2m_token_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[RevokeM2MTokenBody, body_of(RevokeM2MTokenBody, invalid_status=INVALID_INPUT_STATUS)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.revoke_token(session, ctx, token_id=m2m_token_id, body=body))
