"""Instance settings: the organization settings operations."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.instance_settings import service
from locum.resources.instance_settings.schemas import UpdateOrganizationSettingsBody

router = resource_router()


@router.get("/instance/organization_settings", operation_id="GetInstanceOrganizationSettings")
async def get_instance_organization_settings(ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_organization_settings(session, ctx))


@router.patch("/instance/organization_settings", operation_id="UpdateInstanceOrganizationSettings")
async def update_instance_organization_settings(
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateOrganizationSettingsBody, body_of(UpdateOrganizationSettingsBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_organization_settings(session, ctx, body=body))
