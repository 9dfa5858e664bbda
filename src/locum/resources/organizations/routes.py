"""Clerk's Organizations operations (the billing ones are not served)."""

from typing import Annotated

from fastapi import Request

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.images.uploads import read_image_upload
from locum.resources.organizations import service
from locum.resources.organizations.schemas import (
    CreateOrganizationBody,
    OrganizationCountsParams,
    OrganizationListParams,
    OrganizationMetadataBody,
    UpdateOrganizationBody,
)

router = resource_router()

ListParams = Annotated[OrganizationListParams, query_model(OrganizationListParams)]
CountsParams = Annotated[OrganizationCountsParams, query_model(OrganizationCountsParams)]
MetadataBody = Annotated[OrganizationMetadataBody, body_of(OrganizationMetadataBody)]


@router.get("/organizations", operation_id="ListOrganizations")
async def list_organizations(ctx: Context, session: DbReadSession, params: ListParams) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_organizations(session, ctx, params=params))


@router.post("/organizations", operation_id="CreateOrganization")
async def create_organization(
    ctx: Context, session: DbSession, body: Annotated[CreateOrganizationBody, body_of(CreateOrganizationBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_organization(session, ctx, body=body))


@router.get("/organizations/{organization_id}", operation_id="GetOrganization")
async def get_organization(
    organization_id: str, ctx: Context, session: DbReadSession, extras: CountsParams
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_organization(session, ctx, id_or_slug=organization_id, extras=extras))


@router.patch("/organizations/{organization_id}", operation_id="UpdateOrganization")
async def update_organization(
    organization_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateOrganizationBody, body_of(UpdateOrganizationBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.update_organization(session, ctx, organization_id=organization_id, body=body)
    )


@router.delete("/organizations/{organization_id}", operation_id="DeleteOrganization")
async def delete_organization(organization_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_organization(session, ctx, organization_id=organization_id))


@router.patch("/organizations/{organization_id}/metadata", operation_id="MergeOrganizationMetadata")
async def merge_organization_metadata(
    organization_id: str, ctx: Context, session: DbSession, body: MetadataBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.merge_metadata(session, ctx, organization_id=organization_id, body=body))


@router.put("/organizations/{organization_id}/metadata", operation_id="ReplaceOrganizationMetadata")
async def replace_organization_metadata(
    organization_id: str, ctx: Context, session: DbSession, body: MetadataBody
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.replace_metadata(session, ctx, organization_id=organization_id, body=body))


@router.put("/organizations/{organization_id}/logo", operation_id="UploadOrganizationLogo")
async def upload_organization_logo(
    organization_id: str, request: Request, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    # Read and decode the upload before the first query, so the write transaction stays short.
    # `uploader_user_id` is accepted and not kept: locum records no uploader for images.
    image = await read_image_upload(request)
    return ClerkJSONResponse(await service.set_logo(session, ctx, organization_id=organization_id, image=image))


@router.delete("/organizations/{organization_id}/logo", operation_id="DeleteOrganizationLogo")
async def delete_organization_logo(organization_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_logo(session, ctx, organization_id=organization_id))
