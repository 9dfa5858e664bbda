"""Beta Features: the instance's auth settings and production domain changes (202, no body)."""

from typing import Annotated

from starlette.responses import Response

from locum.api.bodies import body_of
from locum.api.deps import Context, DbSession
from locum.api.responses import JSON_MEDIA_TYPE, ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.beta_features import service
from locum.resources.beta_features.schemas import ChangeDomainBody, UpdateInstanceAuthConfigBody

router = resource_router()


@router.patch("/beta_features/instance_settings", operation_id="UpdateInstanceAuthConfig")
async def update_instance_auth_config(
    ctx: Context,
    session: DbSession,
    body: Annotated[UpdateInstanceAuthConfigBody, body_of(UpdateInstanceAuthConfigBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.update_auth_config(session, ctx, body=body))


@router.put("/beta_features/domain", operation_id="UpdateProductionInstanceDomain")
async def update_production_instance_domain(
    ctx: Context, session: DbSession, body: Annotated[ChangeDomainBody, body_of(ChangeDomainBody)]
) -> Response:
    await service.change_production_domain(session, ctx, body=body)
    return Response(status_code=202, media_type=JSON_MEDIA_TYPE)


@router.post("/instance/change_domain", operation_id="ChangeProductionInstanceDomain")
async def change_production_instance_domain(
    ctx: Context, session: DbSession, body: Annotated[ChangeDomainBody, body_of(ChangeDomainBody)]
) -> Response:
    await service.change_production_domain(session, ctx, body=body)
    return Response(status_code=202, media_type=JSON_MEDIA_TYPE)
