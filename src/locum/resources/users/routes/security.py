from typing import Annotated

from fastapi import Body

from locum.api.deps import AppSealer, AppSettings, Context, CurrentInstance, DbReader, DbSession
from locum.api.errors import ClerkError
from locum.api.responses import ClerkJSONResponse
from locum.api.routing import resource_router
from locum.resources.users import security
from locum.resources.users.security import (
    RemovePasswordBody,
    SetPasswordCompromisedBody,
    UserIdsBody,
    VerifyPasswordBody,
    VerifyTOTPBody,
)

router = resource_router()


@router.post("/users/ban", operation_id="UsersBan")
async def users_ban(
    instance: CurrentInstance,
    ctx: Context,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[UserIdsBody | None, Body()] = None,
) -> ClerkJSONResponse:
    users = await security.set_banned_many(
        session, instance_id=instance.id, body=body or UserIdsBody(), banned=True, origin=settings.origin, ctx=ctx
    )
    return ClerkJSONResponse(users)


@router.post("/users/unban", operation_id="UsersUnban")
async def users_unban(
    instance: CurrentInstance,
    ctx: Context,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[UserIdsBody | None, Body()] = None,
) -> ClerkJSONResponse:
    users = await security.set_banned_many(
        session, instance_id=instance.id, body=body or UserIdsBody(), banned=False, origin=settings.origin, ctx=ctx
    )
    return ClerkJSONResponse(users)


@router.post("/users/{user_id}/ban", operation_id="BanUser")
async def ban_user(
    user_id: str, instance: CurrentInstance, ctx: Context, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    user = await security.set_banned(
        session, instance_id=instance.id, user_id=user_id, banned=True, origin=settings.origin, ctx=ctx
    )
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/unban", operation_id="UnbanUser")
async def unban_user(
    user_id: str, instance: CurrentInstance, ctx: Context, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    user = await security.set_banned(
        session, instance_id=instance.id, user_id=user_id, banned=False, origin=settings.origin, ctx=ctx
    )
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/lock", operation_id="LockUser")
async def lock_user(
    user_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    user = await security.lock_user(session, instance_id=instance.id, user_id=user_id, origin=settings.origin)
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/unlock", operation_id="UnlockUser")
async def unlock_user(
    user_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    user = await security.unlock_user(session, instance_id=instance.id, user_id=user_id, origin=settings.origin)
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/verify_password", operation_id="VerifyPassword")
async def verify_password(
    user_id: str,
    instance: CurrentInstance,
    session: DbSession,
    reader: DbReader,
    settings: AppSettings,
    body: Annotated[VerifyPasswordBody | None, Body()] = None,
) -> ClerkJSONResponse:
    outcome = await security.verify_password(
        session,
        reader,
        instance_id=instance.id,
        user_id=user_id,
        password=(body or VerifyPasswordBody()).password,
        origin=settings.origin,
    )
    # A refusal is returned, not raised, so that the failed attempt it counted is committed.
    return outcome.response() if isinstance(outcome, ClerkError) else ClerkJSONResponse(outcome)


@router.post("/users/{user_id}/remove_password", operation_id="RemoveUserPassword")
async def remove_user_password(
    user_id: str,
    instance: CurrentInstance,
    ctx: Context,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[RemovePasswordBody | None, Body()] = None,
) -> ClerkJSONResponse:
    user = await security.remove_password(
        session,
        instance_id=instance.id,
        user_id=user_id,
        sign_out_of_other_sessions=bool(body and body.sign_out_of_other_sessions),
        origin=settings.origin,
        ctx=ctx,
    )
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/password/set_compromised", operation_id="SetUserPasswordCompromised")
async def set_user_password_compromised(
    user_id: str,
    instance: CurrentInstance,
    ctx: Context,
    session: DbSession,
    settings: AppSettings,
    body: Annotated[SetPasswordCompromisedBody | None, Body()] = None,
) -> ClerkJSONResponse:
    user = await security.set_password_compromised(
        session,
        instance_id=instance.id,
        user_id=user_id,
        revoke_all_sessions=bool(body and body.revoke_all_sessions),
        origin=settings.origin,
        ctx=ctx,
    )
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/password/unset_compromised", operation_id="UnsetUserPasswordCompromised")
async def unset_user_password_compromised(
    user_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    user = await security.unset_password_compromised(
        session, instance_id=instance.id, user_id=user_id, origin=settings.origin
    )
    return ClerkJSONResponse(user)


@router.post("/users/{user_id}/verify_totp", operation_id="VerifyTOTP")
async def verify_totp(
    user_id: str,
    instance: CurrentInstance,
    session: DbSession,
    reader: DbReader,
    sealer: AppSealer,
    settings: AppSettings,
    body: Annotated[VerifyTOTPBody | None, Body()] = None,
) -> ClerkJSONResponse:
    result = await security.verify_totp(
        session,
        reader,
        sealer,
        instance_id=instance.id,
        user_id=user_id,
        code=(body or VerifyTOTPBody()).code,
        origin=settings.origin,
    )
    return ClerkJSONResponse(result)


@router.delete("/users/{user_id}/mfa", operation_id="DisableMFA")
async def disable_mfa(
    user_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    result = await security.remove_second_factors(
        session,
        instance_id=instance.id,
        user_id=user_id,
        origin=settings.origin,
        totp=True,
        backup_codes=True,
        phone_numbers=True,
    )
    return ClerkJSONResponse(result)


@router.delete("/users/{user_id}/backup_code", operation_id="DeleteBackupCode")
async def delete_backup_code(
    user_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    result = await security.remove_second_factors(
        session, instance_id=instance.id, user_id=user_id, origin=settings.origin, backup_codes=True
    )
    return ClerkJSONResponse(result)


@router.delete("/users/{user_id}/totp", operation_id="DeleteTOTP")
async def delete_totp(
    user_id: str, instance: CurrentInstance, session: DbSession, settings: AppSettings
) -> ClerkJSONResponse:
    result = await security.remove_second_factors(
        session, instance_id=instance.id, user_id=user_id, origin=settings.origin, totp=True
    )
    return ClerkJSONResponse(result)
