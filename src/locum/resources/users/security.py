"""A user's standing and credentials: ban, lock, password checks and removal, second factors.

Verifications do their slow part before the write transaction starts: the stored secret is read
through the reader, checked in a thread, and only then is the user loaded for update, re-checked
and changed. Failed password checks count towards a lockout (MAX_VERIFICATION_ATTEMPTS in a row
lock the user for LOCKOUT_DURATION_MS); an expired lockout starts a fresh count.
"""

import re
from collections.abc import Callable
from typing import Any

import orjson
import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import (
    ClerkError,
    bulk_size_exceeded,
    form_param_missing,
    incorrect_password,
    no_password_set,
    totp_disabled,
    totp_incorrect_code,
    totp_invalid_length,
    user_locked,
)
from locum.db.models import User
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.kit import passwords
from locum.kit.backup_codes import find_matching
from locum.kit.clock import now_ms
from locum.kit.hashing import run_hashing
from locum.kit.json_types import JSON
from locum.kit.sealing import Sealer
from locum.resources.sessions.endings import revoke_user_sessions
from locum.resources.users.repository import UserReads, UserRepository
from locum.resources.users.schemas import UserIdsBody
from locum.resources.users.serializers import LOCKOUT_DURATION_MS, MAX_VERIFICATION_ATTEMPTS, user_json
from locum.resources.users.service import get_user_or_raise, save_user

BULK_MAX_USERS = 50
TOTP_DIGITS = 6
TOTP_INTERVAL_S = 30
# One 30-second step either side of now, for clock drift between the user's device and us.
TOTP_VALID_WINDOW = 1
TOTP_CODE = re.compile(rf"[0-9]{{{TOTP_DIGITS}}}")

# The status of `user_locked` from verify_password: Clerk's 403 is not among the statuses the spec
# declares for VerifyPassword, so locum answers with its "verification refused" status instead.
VERIFY_LOCKED_STATUS = 422


async def _change_user(
    session: AsyncSession, ctx: RequestContext, user_id: str, change: Callable[[User], None]
) -> JSON:
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    change(user)
    return await save_user(session, ctx, user, event="user.updated")


async def _revoke_sessions(session: AsyncSession, ctx: RequestContext, user_id: str) -> None:
    await revoke_user_sessions(session, ctx, user_id=user_id)


# Ban


async def _set_banned(session: AsyncSession, ctx: RequestContext, user: User, banned: bool) -> JSON:
    user.banned = banned
    saved = await save_user(session, ctx, user, event="user.updated")
    if banned:
        await _revoke_sessions(session, ctx, user.id)
    return saved


async def set_banned(session: AsyncSession, ctx: RequestContext, user_id: str, *, banned: bool) -> JSON:
    return await _set_banned(session, ctx, await get_user_or_raise(session, ctx, user_id, for_update=True), banned)


async def set_banned_many(session: AsyncSession, ctx: RequestContext, body: UserIdsBody, *, banned: bool) -> list[JSON]:
    """The users among `user_ids` that exist in the instance, in request order; unknown ids are skipped."""
    if not body.user_ids:
        raise form_param_missing("user_ids", status=400)
    if len(body.user_ids) > BULK_MAX_USERS:
        raise bulk_size_exceeded("user_ids", BULK_MAX_USERS)
    requested = list(dict.fromkeys(body.user_ids))
    users = {user.id: user for user in await UserRepository(session, ctx.instance_id).lock_many(requested)}
    return [await _set_banned(session, ctx, users[user_id], banned) for user_id in requested if user_id in users]


# Lock


def _lock_forever(user: User) -> None:
    user.locked_at, user.lockout_expires_at = now_ms(), None


def _unlock(user: User) -> None:
    user.locked_at = user.lockout_expires_at = None
    user.failed_verification_attempts = 0


async def lock_user(session: AsyncSession, ctx: RequestContext, user_id: str) -> JSON:
    """An administrator's lock: it lasts until the user is unlocked."""
    return await _change_user(session, ctx, user_id, _lock_forever)


async def unlock_user(session: AsyncSession, ctx: RequestContext, user_id: str) -> JSON:
    return await _change_user(session, ctx, user_id, _unlock)


def _lockout_error(locked_at: int | None, lockout_expires_at: int | None, at_ms: int) -> ClerkError | None:
    if locked_at is None:
        return None
    if lockout_expires_at is None:
        return user_locked(None, status=VERIFY_LOCKED_STATUS)
    remaining_ms = lockout_expires_at - at_ms
    if remaining_ms <= 0:
        return None
    return user_locked(-(-remaining_ms // 1000), status=VERIFY_LOCKED_STATUS)


def _clear_expired_lockout(user: User, at_ms: int) -> None:
    expires_at = user.lockout_expires_at
    if user.locked_at is not None and expires_at is not None and expires_at <= at_ms:
        _unlock(user)


def _count_failed_attempt(user: User, at_ms: int) -> None:
    user.failed_verification_attempts += 1
    if user.failed_verification_attempts >= MAX_VERIFICATION_ATTEMPTS:
        user.locked_at, user.lockout_expires_at = at_ms, at_ms + LOCKOUT_DURATION_MS


# Password


async def verify_password(
    session: AsyncSession, ctx: RequestContext, user_id: str, password: str | None, *, reader: Reader
) -> JSON | ClerkError:
    """{verified: true}, or the refusal to answer with. A wrong password is returned rather than
    raised: the failed attempt it counted must be committed."""
    if password is None:
        raise form_param_missing("password")
    digest, hasher, locked_at, lockout_expires_at = await UserReads(reader, ctx.instance_id).password_state(user_id)
    lockout = _lockout_error(locked_at, lockout_expires_at, now_ms())
    if lockout is not None:
        raise lockout
    if digest is None or hasher is None:
        raise no_password_set()
    verified = await run_hashing(passwords.verify_password, password, digest, hasher)
    # An imported (or outdated) digest is replaced by our own once the password is known.
    upgraded = None
    if verified and passwords.needs_rehash(hasher, digest):
        upgraded = await run_hashing(passwords.hash_password, password)

    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    at_ms = now_ms()
    lockout = _lockout_error(user.locked_at, user.lockout_expires_at, at_ms)
    if lockout is not None:  # locked by attempts that finished while this one was verifying
        raise lockout
    if user.password_digest is None:
        raise no_password_set()
    before = (user.failed_verification_attempts, user.locked_at, user.password_digest)
    _clear_expired_lockout(user, at_ms)
    if not verified:
        _count_failed_attempt(user, at_ms)
        await save_user(session, ctx, user, event=None)
        return incorrect_password()
    user.failed_verification_attempts = 0
    # Only the digest that was verified is replaced; a password set meanwhile is kept.
    if upgraded is not None and user.password_digest == digest:
        user.password_digest, user.password_hasher = upgraded, passwords.LOCUM_HASHER
    if (user.failed_verification_attempts, user.locked_at, user.password_digest) != before:
        await save_user(session, ctx, user, event="user.updated")
    return {"verified": True}


async def remove_password(
    session: AsyncSession, ctx: RequestContext, user_id: str, *, sign_out_of_other_sessions: bool
) -> JSON:
    """The user without a password; a user who has none is returned as is, and no event is recorded.

    A backend call has no "current" session, so signing out of the other sessions ends them all.
    """
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    if sign_out_of_other_sessions:
        await _revoke_sessions(session, ctx, user_id)
    if user.password_digest is None:
        return user_json(user, ctx.origin)
    user.password_digest = user.password_hasher = user.password_last_updated_at = None
    user.password_compromised = False
    return await save_user(session, ctx, user, event="user.updated")


def _set_password_compromised(user: User) -> None:
    if user.password_digest is None:
        raise no_password_set()
    user.password_compromised = True


def _unset_password_compromised(user: User) -> None:
    user.password_compromised = False


async def set_password_compromised(
    session: AsyncSession, ctx: RequestContext, user_id: str, *, revoke_all_sessions: bool
) -> JSON:
    user = await _change_user(session, ctx, user_id, _set_password_compromised)
    if revoke_all_sessions:
        await _revoke_sessions(session, ctx, user_id)
    return user


async def unset_password_compromised(session: AsyncSession, ctx: RequestContext, user_id: str) -> JSON:
    return await _change_user(session, ctx, user_id, _unset_password_compromised)


# Second factors


def mfa_enabled(user: User) -> bool:
    """Whether any second factor is set up (the User JSON's `two_factor_enabled`)."""
    second_factor_phone = any(phone.reserved_for_second_factor for phone in user.phone_numbers)
    return bool(user.sealed_totp_secret is not None or user.backup_code_digests or second_factor_phone)


class _StoredTOTP(pyotp.TOTP):
    # pyotp refuses secrets under 112 bits, a rule for generating new ones. Secrets arrive here
    # through CreateUser/UpdateUser from other systems (80-bit ones are common) and were accepted
    # there, so they must keep working.
    min_secret_length_bits = 0


def _totp_matches(secret: str, code: str, at_ms: int) -> bool:
    if TOTP_CODE.fullmatch(code) is None:
        return False
    totp = _StoredTOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL_S)
    return totp.verify(code, for_time=at_ms // 1000, valid_window=TOTP_VALID_WINDOW)


def _digest_list(value: Any) -> list[str]:
    """The backup code digests as the reader returns them: decoded JSON, or JSON text."""
    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return list(value or [])


async def verify_totp(
    session: AsyncSession, ctx: RequestContext, user_id: str, code: str | None, *, reader: Reader, sealer: Sealer
) -> JSON:
    """A current TOTP code or one of the backup codes; a matching backup code is used up."""
    if code is None:
        raise form_param_missing("code")
    sealed_secret, stored_digests = await UserReads(reader, ctx.instance_id).second_factor_state(user_id)
    digests = _digest_list(stored_digests)
    if sealed_secret is None and not digests:
        raise totp_disabled()
    if sealed_secret is not None and _totp_matches(sealer.unseal(sealed_secret), code, now_ms()):
        return {"verified": True, "code_type": "totp"}
    if not digests:
        raise totp_incorrect_code() if TOTP_CODE.fullmatch(code) else totp_invalid_length(TOTP_DIGITS)
    index = await run_hashing(find_matching, code, digests)
    if index is None:
        raise totp_incorrect_code()

    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    if digests[index] not in user.backup_code_digests:  # used up by a concurrent request, or replaced
        raise totp_incorrect_code()
    was_enabled = mfa_enabled(user)
    user.backup_code_digests = [digest for digest in user.backup_code_digests if digest != digests[index]]
    _note_mfa_disabled(user, was_enabled)
    await save_user(session, ctx, user, event="user.updated")
    return {"verified": True, "code_type": "backup_code"}


def _note_mfa_disabled(user: User, was_enabled: bool) -> None:
    if was_enabled and not mfa_enabled(user):
        user.mfa_disabled_at = now_ms()


async def remove_second_factors(
    session: AsyncSession,
    ctx: RequestContext,
    user_id: str,
    *,
    totp: bool = False,
    backup_codes: bool = False,
    phone_numbers: bool = False,
) -> JSON:
    """{user_id} after removing the chosen factors; an event is recorded only if one was removed."""
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    was_enabled = mfa_enabled(user)
    removed = False
    if totp and user.sealed_totp_secret is not None:
        user.sealed_totp_secret, removed = None, True
    if backup_codes and user.backup_code_digests:
        user.backup_code_digests, removed = [], True
    if phone_numbers:
        at_ms = now_ms()
        for phone in user.phone_numbers:
            if phone.reserved_for_second_factor or phone.default_second_factor:
                phone.reserved_for_second_factor = phone.default_second_factor = False
                phone.updated_at, removed = at_ms, True
    if removed:
        _note_mfa_disabled(user, was_enabled)
        await save_user(session, ctx, user, event="user.updated")
    return {"user_id": user.id}
