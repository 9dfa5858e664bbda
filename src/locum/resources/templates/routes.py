"""Clerk's Email & SMS Templates operations (deprecated in the spec, still served by Clerk)."""

from typing import Annotated

from fastapi import Depends

from locum.api.bodies import request_body
from locum.api.deps import Context, CurrentInstance, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.templates import service
from locum.resources.templates.schemas import (
    PreviewTemplateBody,
    TemplateListParams,
    ToggleTemplateDeliveryBody,
    UpsertTemplateBody,
)

router = resource_router(tags=["Email & SMS Templates"])

ListParams = Annotated[TemplateListParams, query_model(TemplateListParams)]
UpsertBody = Annotated[UpsertTemplateBody, Depends(request_body(UpsertTemplateBody, invalid_status=422))]
PreviewBody = Annotated[PreviewTemplateBody, Depends(request_body(PreviewTemplateBody, invalid_status=422))]
# ToggleTemplateDelivery declares no 422.
ToggleBody = Annotated[
    ToggleTemplateDeliveryBody, Depends(request_body(ToggleTemplateDeliveryBody, invalid_status=400))
]


@router.get("/templates/{template_type}", operation_id="GetTemplateList")
async def list_templates(
    template_type: str, instance: CurrentInstance, db: DbReadSession, params: ListParams
) -> ClerkJSONResponse:
    templates, total_count = await service.list_templates(
        db, instance_id=instance.id, template_type=template_type, params=params
    )
    # The spec shows a bare array; with paginated=true Clerk's SDKs expect {data, total_count}.
    return ClerkJSONResponse(templates if total_count is None else {"data": templates, "total_count": total_count})


@router.get("/templates/{template_type}/{slug}", operation_id="GetTemplate")
async def get_template(
    template_type: str, slug: str, instance: CurrentInstance, db: DbReadSession
) -> ClerkJSONResponse:
    template = await service.get_template(db, instance_id=instance.id, template_type=template_type, slug=slug)
    return ClerkJSONResponse(template)


@router.put("/templates/{template_type}/{slug}", operation_id="UpsertTemplate")
async def upsert_template(
    template_type: str, slug: str, instance: CurrentInstance, db: DbSession, body: UpsertBody
) -> ClerkJSONResponse:
    template = await service.upsert_template(
        db, instance_id=instance.id, template_type=template_type, slug=slug, body=body
    )
    return ClerkJSONResponse(template)


@router.post("/templates/{template_type}/{slug}/revert", operation_id="RevertTemplate")
async def revert_template(template_type: str, slug: str, instance: CurrentInstance, db: DbSession) -> ClerkJSONResponse:
    template = await service.revert_template(db, instance_id=instance.id, template_type=template_type, slug=slug)
    return ClerkJSONResponse(template)


@router.post("/templates/{template_type}/{slug}/preview", operation_id="PreviewTemplate")
async def preview_template(
    template_type: str, slug: str, ctx: Context, db: DbReadSession, body: PreviewBody
) -> ClerkJSONResponse:
    preview = await service.preview_template(db, ctx, template_type=template_type, slug=slug, body=body)
    return ClerkJSONResponse(preview)


@router.post("/templates/{template_type}/{slug}/toggle_delivery", operation_id="ToggleTemplateDelivery")
async def toggle_template_delivery(
    template_type: str, slug: str, instance: CurrentInstance, db: DbSession, body: ToggleBody
) -> ClerkJSONResponse:
    template = await service.toggle_delivery(
        db, instance_id=instance.id, template_type=template_type, slug=slug, body=body
    )
    return ClerkJSONResponse(template)
