"""locum's own: create and list instances (Clerk does this in its dashboard), with the default
instance's secret key only (see service.py); `locum instances` does the same from a shell."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReadSession, DbSession
from locum.api.pagination import PageParams
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.locum_instances import service
from locum.resources.locum_instances.schemas import CreateInstanceBody

router = resource_router(tags=["locum"])


@router.post("/instances")
async def create_instance(
    body: Annotated[CreateInstanceBody, body_of(CreateInstanceBody)],
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
) -> ClerkJSONResponse:
    created = await service.create_instance(session, ctx, sealer, environment_type=body.environment_type)
    return ClerkJSONResponse(created)


@router.get("/instances")
async def list_instances(ctx: Context, session: DbReadSession, page: PageParams) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.list_instances(session, ctx, page=page))
