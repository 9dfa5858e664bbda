"""Clerk's JWT Templates operations, and minting a token from a template."""

from typing import Annotated

from fastapi import Body, Depends

from locum.api.bodies import request_body
from locum.api.deps import AppSealer, AppSettings, CurrentInstance, DbReader, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.jwt_templates import service
from locum.resources.jwt_templates.schemas import JWTTemplateBody, JWTTemplateListParams
from locum.resources.jwt_templates.tokens import mint_template_token
from locum.resources.sessions.schemas import CreateSessionTokenBody

router = resource_router(tags=["JWT Templates"])

ListParams = Annotated[JWTTemplateListParams, query_model(JWTTemplateListParams)]
TemplateBody = Annotated[JWTTemplateBody, Depends(request_body(JWTTemplateBody, invalid_status=422))]


@router.get("/jwt_templates", operation_id="ListJWTTemplates")
async def list_jwt_templates(instance: CurrentInstance, db: DbReadSession, params: ListParams) -> ClerkJSONResponse:
    templates, total_count = await service.list_templates(db, instance_id=instance.id, params=params)
    # The spec shows a bare array; with paginated=true Clerk's SDKs expect {data, total_count}.
    return ClerkJSONResponse(templates if total_count is None else {"data": templates, "total_count": total_count})


@router.post("/jwt_templates", operation_id="CreateJWTTemplate")
async def create_jwt_template(
    instance: CurrentInstance, db: DbSession, sealer: AppSealer, body: TemplateBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_template(db, sealer, instance_id=instance.id, body=body))


@router.get("/jwt_templates/{template_id}", operation_id="GetJWTTemplate")
async def get_jwt_template(template_id: str, instance: CurrentInstance, db: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_template(db, instance_id=instance.id, template_id=template_id))


@router.patch("/jwt_templates/{template_id}", operation_id="UpdateJWTTemplate")
async def update_jwt_template(
    template_id: str, instance: CurrentInstance, db: DbSession, sealer: AppSealer, body: TemplateBody
) -> ClerkJSONResponse:
    template = await service.update_template(db, sealer, instance_id=instance.id, template_id=template_id, body=body)
    return ClerkJSONResponse(template)


@router.delete("/jwt_templates/{template_id}", operation_id="DeleteJWTTemplate")
async def delete_jwt_template(template_id: str, instance: CurrentInstance, db: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_template(db, instance_id=instance.id, template_id=template_id))


@router.post("/sessions/{session_id}/tokens/{template_name}", operation_id="CreateSessionTokenFromTemplate")
async def create_session_token_from_template(
    session_id: str,
    template_name: str,
    instance: CurrentInstance,
    reader: DbReader,
    sealer: AppSealer,
    settings: AppSettings,
    body: Annotated[CreateSessionTokenBody | None, Body()] = None,
) -> ClerkJSONResponse:
    jwt = await mint_template_token(
        reader,
        sealer,
        instance,
        origin=settings.origin,
        session_id=session_id,
        template_name=template_name,
        expires_in_seconds=body.expires_in_seconds if body else None,
    )
    return ClerkJSONResponse({"object": "token", "jwt": jwt})
