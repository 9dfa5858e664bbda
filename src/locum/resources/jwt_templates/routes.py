"""Clerk's JWT Templates operations, and minting a token from a template."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReader, DbReadSession, DbSession
from locum.api.pagination import PaginatedQuery
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.jwt_templates import service
from locum.resources.jwt_templates.schemas import JWTTemplateBody
from locum.resources.sessions.schemas import CreateSessionTokenBody

router = resource_router(tags=["JWT Templates"])

TemplateBody = Annotated[JWTTemplateBody, body_of(JWTTemplateBody)]


@router.get("/jwt_templates", operation_id="ListJWTTemplates")
async def list_jwt_templates(
    ctx: Context, session: DbReadSession, query: Annotated[PaginatedQuery, query_model(PaginatedQuery)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_templates(session, ctx, query=query))


@router.post("/jwt_templates", operation_id="CreateJWTTemplate")
async def create_jwt_template(
    ctx: Context, session: DbSession, sealer: AppSealer, body: TemplateBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_template(session, ctx, sealer=sealer, body=body))


@router.get("/jwt_templates/{template_id}", operation_id="GetJWTTemplate")
async def get_jwt_template(template_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_template(session, ctx, template_id=template_id))


@router.patch("/jwt_templates/{template_id}", operation_id="UpdateJWTTemplate")
async def update_jwt_template(
    template_id: str, ctx: Context, session: DbSession, sealer: AppSealer, body: TemplateBody
) -> ClerkJSONResponse:
    template = await service.update_template(session, ctx, sealer=sealer, template_id=template_id, body=body)
    return ClerkJSONResponse(template)


@router.delete("/jwt_templates/{template_id}", operation_id="DeleteJWTTemplate")
async def delete_jwt_template(template_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_template(session, ctx, template_id=template_id))


@router.post("/sessions/{session_id}/tokens/{template_name}", operation_id="CreateSessionTokenFromTemplate")
async def create_session_token_from_template(
    session_id: str,
    template_name: str,
    ctx: Context,
    reader: DbReader,
    sealer: AppSealer,
    body: Annotated[CreateSessionTokenBody, body_of(CreateSessionTokenBody)],
) -> ClerkJSONResponse:
    token = await service.create_session_token_from_template(
        reader, ctx, sealer=sealer, session_id=session_id, template_name=template_name, body=body
    )
    return ClerkJSONResponse(token)
