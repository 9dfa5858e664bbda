"""A user's passkeys, web3 wallets, OAuth accounts and access tokens, and trusted devices."""

from typing import Annotated

from locum.api.deps import AppSealer, Context, DbReadSession, DbSession
from locum.api.pagination import PaginatedQuery
from locum.api.query import query_model
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.users import accounts

router = resource_router()


@router.delete("/users/{user_id}/passkeys/{passkey_identification_id}", operation_id="UserPasskeyDelete")
async def user_passkey_delete(
    user_id: str, passkey_identification_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await accounts.delete_passkey(session, ctx, user_id, passkey_identification_id))


@router.delete("/users/{user_id}/web3_wallets/{web3_wallet_identification_id}", operation_id="UserWeb3WalletDelete")
async def user_web3_wallet_delete(
    user_id: str, web3_wallet_identification_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await accounts.delete_web3_wallet(session, ctx, user_id, web3_wallet_identification_id))


@router.delete("/users/{user_id}/external_accounts/{external_account_id}", operation_id="DeleteExternalAccount")
async def delete_external_account(
    user_id: str, external_account_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await accounts.delete_external_account(session, ctx, user_id, external_account_id))


@router.get("/users/{user_id}/trusted_devices", operation_id="ListUserTrustedDevices")
async def list_user_trusted_devices(user_id: str, ctx: Context, session: DbReadSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await accounts.list_trusted_devices(session, ctx, user_id))


@router.delete("/users/{user_id}/trusted_devices/{trusted_device_id}", operation_id="RevokeUserTrustedDevice")
async def revoke_user_trusted_device(
    user_id: str, trusted_device_id: str, ctx: Context, session: DbSession
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await accounts.revoke_trusted_device(session, ctx, user_id, trusted_device_id))


@router.get("/users/{user_id}/oauth_access_tokens/{provider}", operation_id="GetOAuthAccessToken")
async def get_o_auth_access_token(
    user_id: str,
    provider: str,
    ctx: Context,
    session: DbReadSession,
    sealer: AppSealer,
    page: Annotated[PaginatedQuery, query_model(PaginatedQuery)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await accounts.oauth_access_tokens(session, ctx, user_id, provider, page, sealer=sealer))
