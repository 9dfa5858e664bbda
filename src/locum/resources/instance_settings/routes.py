"""Instance settings: the instance, its settings groups and its organization settings."""

from typing import Annotated

from starlette.responses import Response

from locum.api.bodies import body_of
from locum.api.deps import Context, DbReadSession, DbSession
from locum.api.responses import JSON_MEDIA_TYPE, ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.instance_settings import service
from locum.resources.instance_settings.schemas import (
    UpdateInstanceBody,
    UpdateInstanceCommunicationBody,
    UpdateInstanceProtectBody,
    UpdateInstanceRestrictionsBody,
    UpdateOAuthApplicationSettingsBody,
    UpdateOrganizationSettingsBody,
)

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


@router.get("/instance", operation_id="GetInstance")
async def get_instance(ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_instance(session, ctx))


@router.patch("/instance", operation_id="UpdateInstance")
async def update_instance(
    ctx: Context, session: DbSession, body: Annotated[UpdateInstanceBody, body_of(UpdateInstanceBody)]
) -> Response:
    await service.update_instance(session, ctx, body=body)
    return Response(status_code=204, media_type=JSON_MEDIA_TYPE)


@router.patch("/instance/restrictions", operation_id="UpdateInstanceRestrictions")
async def update_instance_restrictions(
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateInstanceRestrictionsBody, body_of(UpdateInstanceRestrictionsBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_restrictions(session, ctx, body=body))


@router.get("/instance/protect", operation_id="GetInstanceProtect")
async def get_instance_protect(ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_protect(session, ctx))


@router.patch("/instance/protect", operation_id="UpdateInstanceProtect")
async def update_instance_protect(
    ctx: Context, session: DbSession, body: Annotated[UpdateInstanceProtectBody, body_of(UpdateInstanceProtectBody)]
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_protect(session, ctx, body=body))


@router.get("/instance/communication", operation_id="GetInstanceCommunication")
async def get_instance_communication(ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_communication(session, ctx))


@router.patch("/instance/communication", operation_id="UpdateInstanceCommunication")
async def update_instance_communication(
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateInstanceCommunicationBody, body_of(UpdateInstanceCommunicationBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_communication(session, ctx, body=body))


@router.get("/instance/oauth_application_settings", operation_id="GetInstanceOAuthApplicationSettings")
async def get_instance_oauth_application_settings(ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.get_oauth_application_settings(session, ctx))


@router.patch("/instance/oauth_application_settings", operation_id="UpdateInstanceOAuthApplicationSettings")
async def update_instance_oauth_application_settings(
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateOAuthApplicationSettingsBody, body_of(UpdateOAuthApplicationSettingsBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_oauth_application_settings(session, ctx, body=body))
