"""locum's own endpoints, mounted at /locum with secret-key auth: JSON in, Clerk-shaped JSON out."""

from locum.api.deps import AppSealer, Context, CurrentInstance, DbSession
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.locum_admin import invitations, service
from locum.resources.locum_admin.schemas import (
    ExternalAccountBody,
    PasskeyBody,
    TrustedDeviceBody,
    Web3WalletBody,
)

router = resource_router(tags=["locum"])


@router.post("/users/{user_id}/external_accounts")
async def add_external_account(
    user_id: str,
    body: ExternalAccountBody,
    instance: CurrentInstance,
    session: DbSession,
    sealer: AppSealer,
    ctx: Context,
) -> ClerkJSONResponse:
    user = await service.add_external_account(
        session, sealer, instance_id=instance.id, user_id=user_id, body=body, ctx=ctx
    )
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/passkeys")
async def add_passkey(
    user_id: str, body: PasskeyBody, instance: CurrentInstance, session: DbSession, ctx: Context
) -> ClerkJSONResponse:
    user = await service.add_passkey(session, instance_id=instance.id, user_id=user_id, body=body, ctx=ctx)
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/web3_wallets")
async def add_web3_wallet(
    user_id: str, body: Web3WalletBody, instance: CurrentInstance, session: DbSession, ctx: Context
) -> ClerkJSONResponse:
    user = await service.add_web3_wallet(session, instance_id=instance.id, user_id=user_id, body=body, ctx=ctx)
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/trusted_devices")
async def add_trusted_device(
    user_id: str, body: TrustedDeviceBody, instance: CurrentInstance, session: DbSession
) -> ClerkJSONResponse:
    device = await service.add_trusted_device(session, instance_id=instance.id, user_id=user_id, body=body)
    return ClerkJSONResponse(device)


router.include_router(invitations.router)
