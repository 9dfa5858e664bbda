"""What Clerk's Frontend API does for a browser, served under /locum so flows can be exercised:
signing in with a sign-in or actor token, a session's browser credentials, and the instance's
session lifetimes (a dashboard setting at Clerk)."""

from locum.api.deps import AppSealer, AppSettings, CurrentInstance, DbReadSession, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.frontend import service, session_settings
from locum.resources.frontend.schemas import ConsumeTokenBody, SessionSettingsBody

router = resource_router(tags=["locum"])


@router.post("/sign_in_tokens/consume")
async def consume_sign_in_token(
    body: ConsumeTokenBody, instance: CurrentInstance, db: DbSession, sealer: AppSealer, settings: AppSettings
) -> ClerkJSONResponse:
    signed_in = await service.sign_in_with_sign_in_token(
        db, sealer, instance, secret=body.token, browser_origin=body.origin, origin=settings.origin
    )
    return ClerkJSONResponse(signed_in)


@router.post("/actor_tokens/consume")
async def consume_actor_token(
    body: ConsumeTokenBody, instance: CurrentInstance, db: DbSession, sealer: AppSealer, settings: AppSettings
) -> ClerkJSONResponse:
    signed_in = await service.sign_in_with_actor_token(
        db, sealer, instance, secret=body.token, browser_origin=body.origin, origin=settings.origin
    )
    return ClerkJSONResponse(signed_in)


@router.post("/sessions/{session_id}/frontend_credentials")
async def get_frontend_credentials(
    session_id: str, instance: CurrentInstance, db: DbReadSession, sealer: AppSealer
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.session_credentials(db, sealer, instance, session_id=session_id))


@router.get("/instance/session_settings")
async def get_session_settings(instance: CurrentInstance, db: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await session_settings.get_session_settings(db, instance_id=instance.id))


@router.patch("/instance/session_settings")
async def update_session_settings(
    body: SessionSettingsBody, instance: CurrentInstance, db: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await session_settings.update_session_settings(db, instance_id=instance.id, body=body))
