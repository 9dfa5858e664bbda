"""Clerk's Domains operations."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.domains import service
from locum.resources.domains.schemas import AddDomainBody, UpdateDomainBody

router = resource_router(tags=["Domains"])


@router.get("/domains", operation_id="ListDomains")
async def list_domains(ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_domains(session, ctx))


@router.post("/domains", operation_id="AddDomain")
async def add_domain(
    ctx: Context, session: DbSession, body: Annotated[AddDomainBody, body_of(AddDomainBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.add_domain(session, ctx, body=body))


@router.delete("/domains/{domain_id}", operation_id="DeleteDomain")
async def delete_domain(domain_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.delete_domain(session, ctx, domain_id=domain_id))


@router.patch("/domains/{domain_id}", operation_id="UpdateDomain")
async def update_domain(
    domain_id: str, ctx: Context, session: DbSession, body: Annotated[UpdateDomainBody, body_of(UpdateDomainBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_domain(session, ctx, domain_id=domain_id, body=body))
