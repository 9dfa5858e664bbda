from typing import Annotated

from locum.api.bodies import body_of
from locum.api.deps import AppSealer, Context, DbReader, DbSession
from locum.api.errors import ClerkError
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.users import security
from locum.resources.users.schemas import (
    RemovePasswordBody,
    SetPasswordCompromisedBody,
    UserIdsBody,
    VerifyPasswordBody,
    VerifyTOTPBody,
)

router = resource_router()

UserIds = Annotated[UserIdsBody, body_of(UserIdsBody)]


@router.post("/users/ban", operation_id="UsersBan")
async def users_ban(ctx: Context, session: DbSession, body: UserIds) -> ClerkJSONResponse:
    return ClerkJSONResponse(await security.set_banned_many(session, ctx, body, banned=True))


@router.post("/users/unban", operation_id="UsersUnban")
async def users_unban(ctx: Context, session: DbSession, body: UserIds) -> ClerkJSONResponse:
    return ClerkJSONResponse(await security.set_banned_many(session, ctx, body, banned=False))


@router.post("/users/{user_id}/ban", operation_id="BanUser")
async def ban_user(user_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await security.set_banned(session, ctx, user_id, banned=True))


@router.post("/users/{user_id}/unban", operation_id="UnbanUser")
async def unban_user(user_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await security.set_banned(session, ctx, user_id, banned=False))


@router.post("/users/{user_id}/lock", operation_id="LockUser")
async def lock_user(user_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await security.lock_user(session, ctx, user_id))


@router.post("/users/{user_id}/unlock", operation_id="UnlockUser")
async def unlock_user(user_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await security.unlock_user(session, ctx, user_id))


@router.post("/users/{user_id}/verify_password", operation_id="VerifyPassword")
async def verify_password(
    user_id: str,
    ctx: Context,
    session: DbSession,
    reader: DbReader,
    body: Annotated[VerifyPasswordBody, body_of(VerifyPasswordBody)],
) -> ClerkJSONResponse:
    outcome = await security.verify_password(session, ctx, user_id, body.password, reader=reader)
    # A refusal is returned, not raised, so that the failed attempt it counted is committed.
    return outcome.response() if isinstance(outcome, ClerkError) else ClerkJSONResponse(outcome)


@router.post("/users/{user_id}/remove_password", operation_id="RemoveUserPassword")
async def remove_user_password(
    user_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[RemovePasswordBody, body_of(RemovePasswordBody)],
) -> ClerkJSONResponse:
    user = await security.remove_password(
        session, ctx, user_id, sign_out_of_other_sessions=bool(body.sign_out_of_other_sessions)
    )
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/password/set_compromised", operation_id="SetUserPasswordCompromised")
async def set_user_password_compromised(
    user_id: str,
    ctx: Context,
    session: DbSession,
    body: Annotated[SetPasswordCompromisedBody, body_of(SetPasswordCompromisedBody)],
) -> ClerkJSONResponse:
    user = await security.set_password_compromised(
        session, ctx, user_id, revoke_all_sessions=bool(body.revoke_all_sessions)
    )
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/password/unset_compromised", operation_id="UnsetUserPasswordCompromised")
async def unset_user_password_compromised(user_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await security.unset_password_compromised(session, ctx, user_id))


@router.post("/users/{user_id}/verify_totp", operation_id="VerifyTOTP")
async def verify_totp(
    user_id: str,
    ctx: Context,
    session: DbSession,
    reader: DbReader,
    sealer: AppSealer,
    body: Annotated[VerifyTOTPBody, body_of(VerifyTOTPBody)],
) -> ClerkJSONResponse:
    return ClerkJSONResponse(await security.verify_totp(session, ctx, user_id, body.code, reader=reader, sealer=sealer))


@router.delete("/users/{user_id}/mfa", operation_id="DisableMFA")
async def disable_mfa(user_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    result = await security.remove_second_factors(
        session, ctx, user_id, totp=True, backup_codes=True, phone_numbers=True
    )
    return ClerkJSONResponse(result)


@router.delete("/users/{user_id}/backup_code", operation_id="DeleteBackupCode")
async def delete_backup_code(user_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await security.remove_second_factors(session, ctx, user_id, backup_codes=True))


@router.delete("/users/{user_id}/totp", operation_id="DeleteTOTP")
async def delete_totp(user_id: str, ctx: Context, session: DbSession) -> ClerkJSONResponse:
    return ClerkJSONResponse(await security.remove_second_factors(session, ctx, user_id, totp=True))
