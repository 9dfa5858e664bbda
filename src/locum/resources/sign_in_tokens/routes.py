"""Clerk's Sign-in Tokens operations."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.sign_in_tokens import service
from locum.resources.sign_in_tokens.schemas import CreateSignInTokenBody

router = resource_router(tags=["Sign-in Tokens"])


@router.post("/sign_in_tokens", operation_id="CreateSignInToken")
async def create_sign_in_token(
    ctx: Context, session: DbSession, body: Annotated[CreateSignInTokenBody, body_of(CreateSignInTokenBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_sign_in_token(session, ctx, body))


@router.post("/sign_in_tokens/{sign_in_token_id}/revoke", operation_id="RevokeSignInToken")
async def revoke_sign_in_token(sign_in_token_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.revoke_sign_in_token(session, ctx, sign_in_token_id=sign_in_token_id))
