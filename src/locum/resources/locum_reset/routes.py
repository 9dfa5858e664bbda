"""locum's own: `POST /locum/reset` clears the calling instance's data and keeps its configuration
(db/instance_data.py says which is which), on development instances only; `locum reset` does the
same from a shell. For test suites: one request between tests instead of deleting what each made."""

from locum.api.deps import Context, DbEngine
from locum.api.environments import DevelopmentOnly
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.locum_reset import service

router = resource_router(tags=["locum"])


@router.post("/reset", dependencies=[DevelopmentOnly])
async def reset_instance(ctx: Context, engine: DbEngine) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.reset_instance(engine, ctx))
