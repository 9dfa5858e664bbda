"""A user's passkeys, web3 wallets, OAuth accounts and access tokens, and trusted devices."""

from locum.api.deps import AppSealer, AppSettings, CurrentInstance, DbReadSession, DbSession
from locum.api.paging import PageParams
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.users import accounts

router = resource_router()


@router.delete("/users/{user_id}/passkeys/{passkey_identification_id}", operation_id="UserPasskeyDelete")
async def user_passkey_delete(
    user_id: str,
    passkey_identification_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
) -> ClerkJSONResponse:
    deleted = await accounts.delete_passkey(
        session,
        instance_id=instance.id,
        user_id=user_id,
        passkey_id=passkey_identification_id,
        origin=settings.origin,
    )
    return ClerkJSONResponse(deleted)


@router.delete("/users/{user_id}/web3_wallets/{web3_wallet_identification_id}", operation_id="UserWeb3WalletDelete")
async def user_web3_wallet_delete(
    user_id: str,
    web3_wallet_identification_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
) -> ClerkJSONResponse:
    deleted = await accounts.delete_web3_wallet(
        session,
        instance_id=instance.id,
        user_id=user_id,
        web3_wallet_id=web3_wallet_identification_id,
        origin=settings.origin,
    )
    return ClerkJSONResponse(deleted)


@router.delete("/users/{user_id}/external_accounts/{external_account_id}", operation_id="DeleteExternalAccount")
async def delete_external_account(
    user_id: str,
    external_account_id: str,
    instance: CurrentInstance,
    session: DbSession,
    settings: AppSettings,
) -> ClerkJSONResponse:
    deleted = await accounts.delete_external_account(
        session,
        instance_id=instance.id,
        user_id=user_id,
        external_account_id=external_account_id,
        origin=settings.origin,
    )
    return ClerkJSONResponse(deleted)


@router.get("/users/{user_id}/trusted_devices", operation_id="ListUserTrustedDevices")
async def list_user_trusted_devices(
    user_id: str, instance: CurrentInstance, session: DbReadSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await accounts.list_trusted_devices(session, instance_id=instance.id, user_id=user_id))


@router.delete("/users/{user_id}/trusted_devices/{trusted_device_id}", operation_id="RevokeUserTrustedDevice")
async def revoke_user_trusted_device(
    user_id: str, trusted_device_id: str, instance: CurrentInstance, session: DbSession
) -> ClerkJSONResponse:
    device = await accounts.revoke_trusted_device(
        session, instance_id=instance.id, user_id=user_id, trusted_device_id=trusted_device_id
    )
    return ClerkJSONResponse(device)


@router.get("/users/{user_id}/oauth_access_tokens/{provider}", operation_id="GetOAuthAccessToken")
async def get_o_auth_access_token(
    user_id: str,
    provider: str,
    instance: CurrentInstance,
    session: DbReadSession,
    sealer: AppSealer,
    page: PageParams,
    paginated: bool = False,
) -> ClerkJSONResponse:
    tokens, total_count = await accounts.oauth_access_tokens(
        session, sealer, instance_id=instance.id, user_id=user_id, provider=provider, page=page
    )
    # The spec shows a bare array; with paginated=true Clerk's SDKs expect {data, total_count}.
    return ClerkJSONResponse({"data": tokens, "total_count": total_count} if paginated else tokens)
