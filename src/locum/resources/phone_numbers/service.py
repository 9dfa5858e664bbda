"""Phone numbers: the shared identification rules (resources/identifications) plus second factor.

A phone reserved for second factor must be verified; the first one a user reserves becomes the
default second factor, and when the default goes, the next reserved phone takes over. A phone
can't be reserved when it is the last identification the user can sign in with (Clerk's
identification_update_failed). Replacing a user's phone numbers drops a second-factor phone, and
Clerk documents that this disables the user's MFA: TOTP and backup codes go too.
"""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import (
    identification_create_second_factor_unverified,
    identification_update_failed,
    identification_update_second_factor_unverified,
)
from locum.db.models import PhoneNumber, User
from locum.instances.context import RequestContext
from locum.kit.json_types import JSON
from locum.resources.identifications import service as identifications
from locum.resources.identifications.service import (
    IdentificationKind,
    is_verified,
    sign_in_identification_ids,
)
from locum.resources.phone_numbers.repository import PhoneNumberRepository
from locum.resources.phone_numbers.schemas import (
    CreatePhoneNumberBody,
    ReplaceUserPhoneNumberBody,
    UpdatePhoneNumberBody,
)
from locum.resources.users.serializers import phone_number_json
from locum.resources.users.service import new_phone_number

SMS_CHANNEL = "sms"

PHONE_NUMBERS = IdentificationKind(
    repository=PhoneNumberRepository,
    object="phone_number",
    collection="phone_numbers",
    otp_strategy="phone_code",
    channel=SMS_CHANNEL,
    build=new_phone_number,
    render=phone_number_json,
)


def _promote_default_second_factor(user: User) -> None:
    """Make the first phone reserved for second factor the default, when none is."""
    reserved = [phone for phone in user.phone_numbers if phone.reserved_for_second_factor]
    if reserved and not any(phone.default_second_factor for phone in reserved):
        reserved[0].default_second_factor = True


def _reassign_default_second_factor(user: User, _removed: Sequence[PhoneNumber], _at_ms: int) -> None:
    _promote_default_second_factor(user)


def _disable_mfa_if_second_factor_removed(user: User, removed: Sequence[PhoneNumber], at_ms: int) -> None:
    if any(phone.reserved_for_second_factor for phone in removed):
        user.sealed_totp_secret = None
        user.backup_code_digests = []
        user.mfa_disabled_at = at_ms


def _reserve_for_second_factor(user: User, phone: PhoneNumber, reserved: bool, at_ms: int) -> bool:
    if reserved == phone.reserved_for_second_factor:
        return False
    phone.reserved_for_second_factor = reserved
    phone.default_second_factor = False
    phone.updated_at = at_ms
    _promote_default_second_factor(user)
    if reserved and user.mfa_enabled_at is None:
        user.mfa_enabled_at = at_ms
    return True


async def create_phone_number(session: AsyncSession, ctx: RequestContext, body: CreatePhoneNumberBody) -> JSON:
    if body.reserved_for_second_factor and not body.verified:
        raise identification_create_second_factor_unverified()

    def reserve(user: User, phone: PhoneNumber, at_ms: int) -> bool:
        return _reserve_for_second_factor(user, phone, bool(body.reserved_for_second_factor), at_ms)

    return await identifications.create(session, ctx, PHONE_NUMBERS, body, rule=reserve)


async def update_phone_number(
    session: AsyncSession, ctx: RequestContext, phone_number_id: str, body: UpdatePhoneNumberBody
) -> JSON:
    def second_factor(user: User, phone: PhoneNumber, at_ms: int) -> bool:
        reserved = body.reserved_for_second_factor
        if reserved is None:
            return False
        if not is_verified(phone):
            raise identification_update_second_factor_unverified()
        if reserved and sign_in_identification_ids(user) == [phone.id]:
            raise identification_update_failed()
        return _reserve_for_second_factor(user, phone, reserved, at_ms)

    return await identifications.update(session, ctx, PHONE_NUMBERS, phone_number_id, body, rule=second_factor)


async def delete_phone_number(session: AsyncSession, ctx: RequestContext, phone_number_id: str) -> JSON:
    return await identifications.remove(
        session, ctx, PHONE_NUMBERS, phone_number_id, removal_rule=_reassign_default_second_factor
    )


async def replace_user_phone_number(
    session: AsyncSession, ctx: RequestContext, user_id: str, body: ReplaceUserPhoneNumberBody
) -> JSON:
    return await identifications.replace(
        session, ctx, PHONE_NUMBERS, user_id, body, removal_rule=_disable_mfa_if_second_factor_removed
    )
