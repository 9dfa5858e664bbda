"""Clerk's Proxy Checks operation."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReader, DbSessionOnDemand
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.proxy_checks import service
from locum.resources.proxy_checks.schemas import VerifyDomainProxyBody

router = resource_router(tags=["Proxy Checks"])


@router.post("/proxy_checks", operation_id="VerifyDomainProxy")
async def verify_domain_proxy(
    ctx: Context,
    reader: DbReader,
    sessions: DbSessionOnDemand,
    body: Annotated[VerifyDomainProxyBody, body_of(VerifyDomainProxyBody)],
) -> ClerkJSONResponse:
    """The proxy is asked before the write session opens (service.py)."""
    return ClerkJSONResponse(await service.verify_domain_proxy(reader, sessions, ctx, body=body))
