from typing import Annotated

from fastapi import Body

from locum.api.deps import AppSettings, CurrentInstance, DbReadSession, DbSession
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.organization_domains import service
from locum.resources.organization_domains.schemas import (
    AllOrganizationDomainsListParams,
    CreateOrganizationDomainBody,
    OrganizationDomainListParams,
    UpdateOrganizationDomainBody,
)

router = resource_router()

ListParams = Annotated[OrganizationDomainListParams, query_model(OrganizationDomainListParams)]
ListAllParams = Annotated[AllOrganizationDomainsListParams, query_model(AllOrganizationDomainsListParams)]


@router.post("/organizations/{organization_id}/domains", operation_id="CreateOrganizationDomain")
async def create_organization_domain(
    organization_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[CreateOrganizationDomainBody, Body()],
) -> ClerkJSONResponse:
    domain = await service.create_domain(
        session, instance_id=instance.id, organization_id=organization_id, body=body, origin=settings.origin
    )
    return ClerkJSONResponse(domain)


@router.get("/organizations/{organization_id}/domains", operation_id="ListOrganizationDomains")
async def list_organization_domains(
    organization_id: str, instance: CurrentInstance, session: DbReadSession, settings: AppSettings, params: ListParams
) -> ClerkJSONResponse:
    page = await service.list_organization_domains(
        session, instance_id=instance.id, organization_id=organization_id, params=params, origin=settings.origin
    )
    return ClerkJSONResponse(page)


@router.patch("/organizations/{organization_id}/domains/{domain_id}", operation_id="UpdateOrganizationDomain")
async def update_organization_domain(
    organization_id: str,
    domain_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[UpdateOrganizationDomainBody | None, Body()] = None,
) -> ClerkJSONResponse:
    domain = await service.update_domain(
        session,
        instance_id=instance.id,
        organization_id=organization_id,
        domain_id=domain_id,
        body=body or UpdateOrganizationDomainBody(),
        origin=settings.origin,
    )
    return ClerkJSONResponse(domain)


@router.delete("/organizations/{organization_id}/domains/{domain_id}", operation_id="DeleteOrganizationDomain")
async def delete_organization_domain(
    organization_id: str, domain_id: str, instance: CurrentInstance, session: DbSession
) -> ClerkJSONResponse:
    deleted = await service.delete_domain(
        session, instance_id=instance.id, organization_id=organization_id, domain_id=domain_id
    )
    return ClerkJSONResponse(deleted)


@router.post(
    "/organizations/{organization_id}/domains/{domain_id}/verify_ownership",
    operation_id="VerifyOrganizationDomainOwnership",
)
async def verify_organization_domain_ownership(
    organization_id: str, domain_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    domain = await service.verify_ownership(
        session, instance_id=instance.id, organization_id=organization_id, domain_id=domain_id, origin=settings.origin
    )
    return ClerkJSONResponse(domain)


@router.get("/organization_domains", operation_id="ListAllOrganizationDomains")
async def list_all_organization_domains(
    instance: CurrentInstance, session: DbReadSession, settings: AppSettings, params: ListAllParams
) -> ClerkJSONResponse:
    page = await service.list_all_organization_domains(
        session, instance_id=instance.id, params=params, origin=settings.origin
    )
    return ClerkJSONResponse(page)
