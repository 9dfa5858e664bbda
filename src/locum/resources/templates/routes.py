"""Clerk's Email & SMS Templates operations (deprecated in the spec, still served by Clerk)."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.pagination import PaginatedQuery
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.templates import service
from locum.resources.templates.schemas import PreviewTemplateBody, ToggleTemplateDeliveryBody, UpsertTemplateBody

router = resource_router(tags=["Email & SMS Templates"])


@router.get("/templates/{template_type}", operation_id="GetTemplateList")
async def list_templates(
    template_type: str,
    ctx: Context,
    session: DbReadSession,
    query: Annotated[PaginatedQuery, query_model(PaginatedQuery)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_templates(session, ctx, template_type=template_type, query=query))


@router.get("/templates/{template_type}/{slug}", operation_id="GetTemplate")
async def get_template(template_type: str, slug: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_template(session, ctx, template_type=template_type, slug=slug))


@router.put("/templates/{template_type}/{slug}", operation_id="UpsertTemplate")
async def upsert_template(
    template_type: str,
    slug: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[UpsertTemplateBody, body_of(UpsertTemplateBody)],
) -> ClerkJSONResponse:
    template = await service.upsert_template(session, ctx, template_type=template_type, slug=slug, body=body)
    return ClerkJSONResponse(template)


@router.post("/templates/{template_type}/{slug}/revert", operation_id="RevertTemplate")
async def revert_template(template_type: str, slug: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.revert_template(session, ctx, template_type=template_type, slug=slug))


@router.post("/templates/{template_type}/{slug}/preview", operation_id="PreviewTemplate")
async def preview_template(
    template_type: str,
    slug: str,
    ctx: Context,
    session: DbReadSession,
    body: Annotated[PreviewTemplateBody, body_of(PreviewTemplateBody)],
) -> ClerkJSONResponse:
    preview = await service.preview_template(session, ctx, template_type=template_type, slug=slug, body=body)
    return ClerkJSONResponse(preview)


@router.post("/templates/{template_type}/{slug}/toggle_delivery", operation_id="ToggleTemplateDelivery")
async def toggle_template_delivery(
    template_type: str,
    slug: str,
    ctx: Context,
    session: DbSession,
    # ToggleTemplateDelivery declares no 422.
    body: Annotated[ToggleTemplateDeliveryBody, body_of(ToggleTemplateDeliveryBody, invalid_status=400)],
) -> ClerkJSONResponse:
    template = await service.toggle_delivery(session, ctx, template_type=template_type, slug=slug, body=body)
    return ClerkJSONResponse(template)
