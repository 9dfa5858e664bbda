"""One-time codes that prove control of an email address or phone number (prepare/attempt).

Each prepare creates its own Verification with a fresh 6-digit code. The code is never stored
(only its SHA-256) nor returned: it goes out as Clerk's `verification_code` email or SMS (see
locum.messages; the developer reads it at /locum/messages), and is never logged.
In Clerk's test mode (a `+clerk_test` address, a 555-0100..0199 number, while the instance's
`test_mode` is on) the code is always 424242 and no message is sent. A number in a country the
instance blocks SMS to (its communication settings) gets no code: 403 unsupported_country_code.

    prepare --> unverified --right code--> verified   (attempting it again: 400 verification_already_verified)
                    |  wrong code: attempts + 1, stays unverified
                    |--wrong code, MAX_CODE_ATTEMPTS-th attempt--> failed
                    '--attempted at or after expire_at---------> expired

An attempt reports a wrong, failed or expired code through `status` (HTTP 200), as the spec
says. A right code also verifies the identification (strategy email_code / phone_code) unless it
is verified already, and makes it primary when the user has no primary of its kind or only a
reserved one (what Clerk does when a frontend verification completes).
"""

import hashlib
import hmac
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import verification_already_verified
from locum.db.constraints import flush
from locum.db.models import User, Verification
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON, columns
from locum.messages import TEST_MODE_CODE, is_test_recipient, request_variables, send_message
from locum.messages.sms_countries import blocked_country
from locum.messages.test_mode import Channel
from locum.resources.identifications.errors import unsupported_country_code
from locum.resources.identifications.repository import VerificationRepository
from locum.resources.identifications.schemas import AttemptVerificationBody
from locum.resources.identifications.service import (
    VERIFIED,
    IdentificationKind,
    Row,
    get_row,
    get_with_user,
    is_verified,
    saved,
)

CODE_DIGITS = 6
CODE_TTL_MS = 10 * 60 * 1000
# Clerk's one-time-code verifications fail after the third wrong attempt (attempts > 2).
MAX_CODE_ATTEMPTS = 3


def code_digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def verification_json(row: Verification) -> JSON:
    return {
        "object": "verification_otp",
        **columns(row, "id", "status", "strategy", "attempts", "expire_at", "channel"),
    }


async def prepare(session: AsyncSession, ctx: RequestContext, kind: IdentificationKind[Row], row_id: str) -> JSON:
    identification = await get_row(session, ctx, kind, row_id)
    identifier = kind.identifier(identification)
    channel: Channel = "email" if kind.object == "email_address" else "sms"
    test_recipient = await is_test_recipient(session, ctx, channel, identifier)
    # Nothing goes out to a test number, so the SMS country blocklist doesn't concern it.
    if channel == "sms" and not test_recipient:
        country = await blocked_country(session, ctx, identifier)
        if country is not None:
            raise unsupported_country_code(identifier, country)
    code = TEST_MODE_CODE if test_recipient else new_code()
    at_ms = now_ms()
    verification = VerificationRepository(session, ctx.instance_id).add(
        identification_id=identification.id,
        strategy=kind.otp_strategy,
        status="unverified",
        attempts=0,
        expire_at=at_ms + CODE_TTL_MS,
        code_digest=code_digest(code),
        channel=kind.channel,
        created_at=at_ms,
        updated_at=at_ms,
    )
    await flush(session)
    await send_message(
        session,
        ctx,
        channel,
        slug="verification_code",
        to_address=identifier,
        variables={"otp_code": code, **request_variables(ctx, at_ms)},
        user_id=identification.user_id,
        identification_id=identification.id,
    )
    return verification_json(verification)


def _check(verification: Verification, code: str, at_ms: int) -> None:
    """Move a pending verification on by one attempt (see the module diagram)."""
    if at_ms >= verification.expire_at:
        verification.status = "expired"
        return
    verification.attempts += 1
    if hmac.compare_digest(code_digest(code), verification.code_digest):
        verification.status = VERIFIED
    elif verification.attempts >= MAX_CODE_ATTEMPTS:
        verification.status = "failed"


def _finish_verification(kind: IdentificationKind[Row], user: User, row: Row, verification: Verification) -> None:
    row.verification_status, row.verification_strategy = VERIFIED, verification.strategy
    row.verification_attempts, row.verification_expire_at = verification.attempts, verification.expire_at
    row.updated_at = verification.updated_at
    primary = next((other for other in kind.rows(user) if other.id == kind.primary_id(user)), None)
    if primary is None or primary.reserved:
        kind.set_primary(user, row.id)
    # The user can now sign in with a verified identification: nothing of the kind stays reserved.
    for other in kind.rows(user):
        other.reserved = False


async def attempt(
    session: AsyncSession,
    ctx: RequestContext,
    kind: IdentificationKind[Row],
    row_id: str,
    body: AttemptVerificationBody,
) -> JSON:
    row, user = await get_with_user(session, ctx, kind, row_id)
    verification = await VerificationRepository(session, ctx.instance_id).of_identification_or_raise(
        body.verification_id, row.id
    )
    if verification.status == VERIFIED:
        raise verification_already_verified()
    if verification.status != "unverified":
        return verification_json(verification)
    at_ms = now_ms()
    _check(verification, body.code, at_ms)
    verification.updated_at = at_ms
    if verification.status == VERIFIED and not is_verified(row):
        _finish_verification(kind, user, row, verification)
        await saved(session, ctx, kind, user, row)
    else:
        await flush(session)
    return verification_json(verification)
