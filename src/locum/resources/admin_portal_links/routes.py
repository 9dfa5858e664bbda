"""Clerk's Admin Portal Link Tokens operations."""

from typing import Annotated

from fastapi import Path

from locum.api.bodies import body_of
from locum.api.deps import Context, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.admin_portal_links import service
from locum.resources.admin_portal_links.schemas import CreateAdminPortalLinkTokenBody, RevokeAdminPortalLinkTokenBody

router = resource_router(tags=["Admin Portal Link Tokens"])


@router.post("/admin_portal_link_tokens", operation_id="createAdminPortalLinkToken")
async def create_admin_portal_link_token(
    ctx: Context,
    session: DbSession,
    body: Annotated[CreateAdminPortalLinkTokenBody, body_of(CreateAdminPortalLinkTokenBody, invalid_status=400)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.create_admin_portal_link_token(session, ctx, body), status_code=201)


@router.post("/admin_portal_link_tokens/{adminPortalLinkTokenID}/revoke", operation_id="revokeAdminPortalLinkToken")
async def revoke_admin_portal_link_token(
    token_id: Annotated[str, Path(alias="adminPortalLinkTokenID")],
    ctx: Context,
    session: DbSession,
    body: Annotated[RevokeAdminPortalLinkTokenBody, body_of(RevokeAdminPortalLinkTokenBody, invalid_status=400)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.revoke_admin_portal_link_token(session, ctx, token_id=token_id, body=body))
