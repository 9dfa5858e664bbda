"""What Clerk's Frontend API does for a browser, served under /locum so flows can be exercised:
signing in with a sign-in or actor token or an agent task, a session's browser credentials, and
the instance's session lifetimes (a dashboard setting at Clerk)."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReadSession, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.frontend import service, session_settings
from locum.resources.frontend.schemas import ConsumeTokenBody, SessionSettingsBody

router = resource_router(tags=["locum"])

ConsumeBody = Annotated[ConsumeTokenBody, body_of(ConsumeTokenBody)]


@router.post("/sign_in_tokens/consume")
async def consume_sign_in_token(
    body: ConsumeBody, ctx: Context, session: DbSession, sealer: AppSealer
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.sign_in_with_sign_in_token(session, ctx, sealer, body))


@router.post("/actor_tokens/consume")
async def consume_actor_token(
    body: ConsumeBody, ctx: Context, session: DbSession, sealer: AppSealer
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.sign_in_with_actor_token(session, ctx, sealer, body))


@router.post("/agent_tasks/consume")
async def consume_agent_task(
    body: ConsumeBody, ctx: Context, session: DbSession, sealer: AppSealer
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.sign_in_with_agent_task(session, ctx, sealer, body))


@router.post("/sessions/{session_id}/frontend_credentials")
async def get_frontend_credentials(
    session_id: str, ctx: Context, session: DbReadSession, sealer: AppSealer
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.session_credentials(session, ctx, sealer, session_id=session_id))


@router.get("/instance/session_settings")
async def get_session_settings(ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await session_settings.get_session_settings(session, ctx))


@router.patch("/instance/session_settings")
async def update_session_settings(
    body: Annotated[SessionSettingsBody, body_of(SessionSettingsBody)], ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await session_settings.update_session_settings(session, ctx, body))
