"""locum's own endpoints, mounted at /locum with secret-key auth: JSON in, Clerk-shaped JSON out."""

from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbSession
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
    body: Annotated[ExternalAccountBody, body_of(ExternalAccountBody)],
    ctx: Context,
    session: DbSession,
    sealer: AppSealer,
) -> ClerkJSONResponse:
    return ClerkJSONResponse(
        await service.add_external_account(session, ctx, sealer=sealer, user_id=user_id, body=body)
    )


@router.post("/users/{user_id}/passkeys")
async def add_passkey(
    user_id: str, body: Annotated[PasskeyBody, body_of(PasskeyBody)], ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.add_passkey(session, ctx, user_id=user_id, body=body))


@router.post("/users/{user_id}/web3_wallets")
async def add_web3_wallet(
    user_id: str, body: Annotated[Web3WalletBody, body_of(Web3WalletBody)], ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.add_web3_wallet(session, ctx, user_id=user_id, body=body))


@router.post("/users/{user_id}/trusted_devices")
async def add_trusted_device(
    user_id: str, body: Annotated[TrustedDeviceBody, body_of(TrustedDeviceBody)], ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await service.add_trusted_device(session, ctx, user_id=user_id, body=body))


router.include_router(invitations.router)
