from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
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
    ctx: Context,
    session: DbSession,
    body: Annotated[CreateOrganizationDomainBody, body_of(CreateOrganizationDomainBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_domain(session, ctx, organization_id=organization_id, body=body))


@router.get("/organizations/{organization_id}/domains", operation_id="ListOrganizationDomains")
async def list_organization_domains(
    organization_id: str, ctx: Context, session: DbReadSession, params: ListParams
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.list_organization_domains(session, ctx, organization_id=organization_id, params=params)
    )


@router.patch("/organizations/{organization_id}/domains/{domain_id}", operation_id="UpdateOrganizationDomain")
async def update_organization_domain(
    organization_id: str,
    domain_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateOrganizationDomainBody, body_of(UpdateOrganizationDomainBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.update_domain(session, ctx, organization_id=organization_id, domain_id=domain_id, body=body)
    )


@router.delete("/organizations/{organization_id}/domains/{domain_id}", operation_id="DeleteOrganizationDomain")
async def delete_organization_domain(
    organization_id: str, domain_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.delete_domain(session, ctx, organization_id=organization_id, domain_id=domain_id)
    )


@router.post(
    "/organizations/{organization_id}/domains/{domain_id}/verify_ownership",
    operation_id="VerifyOrganizationDomainOwnership",
)
async def verify_organization_domain_ownership(
    organization_id: str, domain_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.verify_ownership(session, ctx, organization_id=organization_id, domain_id=domain_id)
    )


@router.get("/organization_domains", operation_id="ListAllOrganizationDomains")
async def list_all_organization_domains(
    ctx: Context, session: DbReadSession, params: ListAllParams
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_all_organization_domains(session, ctx, params=params))
