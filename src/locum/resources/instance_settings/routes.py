"""Instance settings: the organization settings operations."""

from typing import Annotated

from fastapi import Body

from locum.api.deps import CurrentInstance, DbReadSession, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.instance_settings import service
from locum.resources.instance_settings.schemas import UpdateOrganizationSettingsBody

router = resource_router()


@router.get("/instance/organization_settings", operation_id="GetInstanceOrganizationSettings")
async def get_instance_organization_settings(instance: CurrentInstance, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_organization_settings(session, instance_id=instance.id))


@router.patch("/instance/organization_settings", operation_id="UpdateInstanceOrganizationSettings")
async def update_instance_organization_settings(
    instance: CurrentInstance,
    session: DbSession,
    body: Annotated[UpdateOrganizationSettingsBody | None, Body()] = None,
) -> ClerkJSONResponse:
    settings = await service.update_organization_settings(
        session, instance_id=instance.id, body=body or UpdateOrganizationSettingsBody()
    )
    return ClerkJSONResponse(settings)
