"""Clerk's Actor Tokens operations (impersonation)."""

from typing import Annotated

from fastapi import Body

from locum.api.deps import AppSettings, CurrentInstance, DbSession
from locum.api.errors import form_param_missing
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.actor_tokens import service
from locum.resources.actor_tokens.schemas import CreateActorTokenBody
from locum.resources.actor_tokens.serializers import actor_token_json, created_actor_token_json

router = resource_router(tags=["Actor Tokens"])


@router.post("/actor_tokens", operation_id="CreateActorToken")
async def create_actor_token(
    instance: CurrentInstance,
    db: DbSession,
    settings: AppSettings,
    body: Annotated[CreateActorTokenBody | None, Body()] = None,
) -> ClerkJSONResponse:
    if body is None:
        raise form_param_missing("user_id")
    actor_token, secret = await service.create_actor_token(db, instance_id=instance.id, body=body)
    return ClerkJSONResponse(created_actor_token_json(actor_token, secret, origin=settings.origin))


@router.post("/actor_tokens/{actor_token_id}/revoke", operation_id="RevokeActorToken")
async def revoke_actor_token(actor_token_id: str, instance: CurrentInstance, db: DbSession) -> ClerkJSONResponse:
    actor_token = await service.revoke_actor_token(db, instance_id=instance.id, actor_token_id=actor_token_id)
    return ClerkJSONResponse(actor_token_json(actor_token))
