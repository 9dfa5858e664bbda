"""Clerk's Sign-in Tokens operations."""

from typing import Annotated

from fastapi import Body

from locum.api.deps import AppSettings, CurrentInstance, DbSession
from locum.api.errors import form_param_missing
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.sign_in_tokens import service
from locum.resources.sign_in_tokens.schemas import CreateSignInTokenBody
from locum.resources.sign_in_tokens.serializers import created_sign_in_token_json, sign_in_token_json

router = resource_router(tags=["Sign-in Tokens"])


@router.post("/sign_in_tokens", operation_id="CreateSignInToken")
async def create_sign_in_token(
    instance: CurrentInstance,
    db: DbSession,
    settings: AppSettings,
    body: Annotated[CreateSignInTokenBody | None, Body()] = None,
) -> ClerkJSONResponse:
    if body is None:
        raise form_param_missing("user_id")
    sign_in_token, secret = await service.create_sign_in_token(db, instance_id=instance.id, body=body)
    return ClerkJSONResponse(created_sign_in_token_json(sign_in_token, secret, origin=settings.origin))


@router.post("/sign_in_tokens/{sign_in_token_id}/revoke", operation_id="RevokeSignInToken")
async def revoke_sign_in_token(sign_in_token_id: str, instance: CurrentInstance, db: DbSession) -> ClerkJSONResponse:
    sign_in_token = await service.revoke_sign_in_token(db, instance_id=instance.id, sign_in_token_id=sign_in_token_id)
    return ClerkJSONResponse(sign_in_token_json(sign_in_token))
