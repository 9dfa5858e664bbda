"""Clerk's Actor Tokens operations (impersonation)."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.actor_tokens import service
from locum.resources.actor_tokens.schemas import CreateActorTokenBody

router = resource_router(tags=["Actor Tokens"])


@router.post("/actor_tokens", operation_id="CreateActorToken")
async def create_actor_token(
    ctx: Context, session: DbSession, body: Annotated[CreateActorTokenBody, body_of(CreateActorTokenBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_actor_token(session, ctx, body))


@router.post("/actor_tokens/{actor_token_id}/revoke", operation_id="RevokeActorToken")
async def revoke_actor_token(actor_token_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.revoke_actor_token(session, ctx, actor_token_id=actor_token_id))
