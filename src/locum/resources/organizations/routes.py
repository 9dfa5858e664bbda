"""Clerk's Organizations operations (the billing ones are not served)."""

from typing import Annotated

from fastapi import Body, Request

from locum.api.deps import ApiVersion, AppSettings, CurrentInstance, DbReadSession, DbSession
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


@router.get("/organizations", operation_id="ListOrganizations")
async def list_organizations(
    instance: CurrentInstance, session: DbReadSession, settings: AppSettings, params: ListParams
) -> ClerkJSONResponse:
    page = await service.list_organizations(session, instance_id=instance.id, params=params, origin=settings.origin)
    return ClerkJSONResponse(page)


@router.post("/organizations", operation_id="CreateOrganization")
async def create_organization(
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[CreateOrganizationBody | None, Body()] = None,
) -> ClerkJSONResponse:
    organization = await service.create_organization(
        session, instance_id=instance.id, body=body or CreateOrganizationBody(), origin=settings.origin
    )
    return ClerkJSONResponse(organization)


@router.get("/organizations/{organization_id}", operation_id="GetOrganization")
async def get_organization(
    organization_id: str,
    instance: CurrentInstance,
    session: DbReadSession,
    settings: AppSettings,
    extras: CountsParams,
) -> ClerkJSONResponse:
    organization = await service.get_organization(
        session, instance_id=instance.id, id_or_slug=organization_id, extras=extras, origin=settings.origin
    )
    return ClerkJSONResponse(organization)


@router.patch("/organizations/{organization_id}", operation_id="UpdateOrganization")
async def update_organization(
    organization_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    api_version: ApiVersion,
    body: Annotated[UpdateOrganizationBody | None, Body()] = None,
) -> ClerkJSONResponse:
    organization = await service.update_organization(
        session,
        instance_id=instance.id,
        organization_id=organization_id,
        body=body or UpdateOrganizationBody(),
        origin=settings.origin,
        api_version=api_version,
    )
    return ClerkJSONResponse(organization)


@router.delete("/organizations/{organization_id}", operation_id="DeleteOrganization")
async def delete_organization(organization_id: str, instance: CurrentInstance, session: DbSession) -> ClerkJSONResponse:
    deleted = await service.delete_organization(session, instance_id=instance.id, organization_id=organization_id)
    return ClerkJSONResponse(deleted)


@router.patch("/organizations/{organization_id}/metadata", operation_id="MergeOrganizationMetadata")
async def merge_organization_metadata(
    organization_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[OrganizationMetadataBody | None, Body()] = None,
) -> ClerkJSONResponse:
    organization = await service.merge_metadata(
        session,
        instance_id=instance.id,
        organization_id=organization_id,
        body=body or OrganizationMetadataBody(),
        origin=settings.origin,
    )
    return ClerkJSONResponse(organization)


@router.put("/organizations/{organization_id}/metadata", operation_id="ReplaceOrganizationMetadata")
async def replace_organization_metadata(
    organization_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[OrganizationMetadataBody | None, Body()] = None,
) -> ClerkJSONResponse:
    organization = await service.replace_metadata(
        session,
        instance_id=instance.id,
        organization_id=organization_id,
        body=body or OrganizationMetadataBody(),
        origin=settings.origin,
    )
    return ClerkJSONResponse(organization)


@router.put("/organizations/{organization_id}/logo", operation_id="UploadOrganizationLogo")
async def upload_organization_logo(
    organization_id: str, request: Request, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    # Read and decode the upload before the first query, so the write transaction stays short.
    # `uploader_user_id` is accepted and not kept: locum records no uploader for images.
    image = await read_image_upload(request)
    organization = await service.set_logo(
        session, instance_id=instance.id, organization_id=organization_id, image=image, origin=settings.origin
    )
    return ClerkJSONResponse(organization)


@router.delete("/organizations/{organization_id}/logo", operation_id="DeleteOrganizationLogo")
async def delete_organization_logo(
    organization_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    organization = await service.delete_logo(
        session, instance_id=instance.id, organization_id=organization_id, origin=settings.origin
    )
    return ClerkJSONResponse(organization)
