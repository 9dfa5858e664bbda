"""Rules email addresses and phone numbers share, written once over an IdentificationKind.

Clerk's rules (its BAPI identification services):
- primary: an unverified identification can't become primary while the user has a verified one
  of the same kind (400 breaks_instance_invariant); `primary: false` is not accepted on update.
  Created identifications become primary by default when the user has no primary of the kind.
- delete: never the user's last identification, nor the last one they can sign in with
  (400 identification_deletion_failed), nor one linked to a connected account. Deleting the
  primary moves it to the most recent other verified identification of the kind, or clears it.
- unverify: the verification is dropped; a user's only identification stays reserved.
- replace: every identification of the kind is deleted and one new primary takes their place.

Every change ends in users.service.save_user, which re-renders the user's document and records
`user.updated`; an update that changes nothing records nothing.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import (
    breaks_instance_invariant,
    delete_linked_identification_disallowed,
    form_param_value_invalid,
    identification_deletion_failed,
    not_found,
)
from locum.db.constraints import flush
from locum.db.models import EmailAddress, Passkey, PhoneNumber, User, Verification, Web3Wallet
from locum.kit.clock import now_ms
from locum.resources.identifications.schemas import (
    CreateIdentificationBody,
    ReplaceIdentificationBody,
    UpdateIdentificationBody,
)
from locum.resources.users.serializers import JSON
from locum.resources.users.service import get_user, get_user_or_raise, save_user

Row = TypeVar("Row", EmailAddress, PhoneNumber)
# A kind's own rule, run on the loaded user and row before saving; True when it changed something.
Rule = Callable[[User, Row, int], bool]
# Run after rows of the kind were removed from the user (delete, replace).
RemovalRule = Callable[[User, Sequence[Row], int], None]

VERIFIED = "verified"


@dataclass(frozen=True)
class IdentificationKind(Generic[Row]):
    model: type[Row]
    object: Literal["email_address", "phone_number"]
    noun: str  # as it reads in messages: "email address"
    collection: str  # User relationship holding the rows
    primary_attribute: str  # User column naming the primary row
    otp_strategy: Literal["email_code", "phone_code"]
    channel: str | None  # how a one-time code travels ("sms"); None for email
    build: Callable[..., Row]  # users.service.new_email_address / new_phone_number
    render: Callable[[Row], JSON]

    def identifier(self, row_or_body: Row | CreateIdentificationBody | ReplaceIdentificationBody) -> str:
        """The address or number of a row, or the one a body asks for: both name it after the kind."""
        value: str = getattr(row_or_body, self.object)
        return value

    def rows(self, user: User) -> list[Row]:
        rows: list[Row] = getattr(user, self.collection)
        return rows

    def primary_id(self, user: User) -> str | None:
        value: str | None = getattr(user, self.primary_attribute)
        return value

    def set_primary(self, user: User, row_id: str | None) -> None:
        setattr(user, self.primary_attribute, row_id)


def is_verified(row: EmailAddress | PhoneNumber) -> bool:
    return row.verification_status == VERIFIED


def identification_ids(user: User) -> list[str]:
    """Every identification of the user, as Clerk counts them; a username is one too."""
    rows: tuple[EmailAddress | PhoneNumber | Web3Wallet | Passkey, ...] = (
        *user.email_addresses,
        *user.phone_numbers,
        *user.web3_wallets,
        *user.passkeys,
    )
    return [row.id for row in rows] + (["username"] if user.username else [])


def sign_in_identification_ids(user: User) -> list[str]:
    """The identifications the user can sign in with: all but phones kept for second factor."""
    second_factor = {phone.id for phone in user.phone_numbers if phone.reserved_for_second_factor}
    return [row_id for row_id in identification_ids(user) if row_id not in second_factor]


async def get_row(session: AsyncSession, kind: IdentificationKind[Row], *, instance_id: str, row_id: str) -> Row:
    row = await session.scalar(select(kind.model).where(kind.model.instance_id == instance_id, kind.model.id == row_id))
    if row is None:
        raise not_found(kind.noun)
    return row


async def get_with_user(
    session: AsyncSession, kind: IdentificationKind[Row], *, instance_id: str, row_id: str
) -> tuple[Row, User]:
    """The row and its user locked for a change, every collection loaded (the row is the one in the
    user's list). The row is found again in the locked user's list: a concurrent request may have
    removed it while this one waited for the lock."""
    owner_id = await session.scalar(
        select(kind.model.user_id).where(kind.model.instance_id == instance_id, kind.model.id == row_id)
    )
    if owner_id is None:
        raise not_found(kind.noun)
    user = await get_user(session, instance_id=instance_id, user_id=owner_id, for_update=True)
    row = next((row for row in kind.rows(user) if row.id == row_id), None) if user is not None else None
    if user is None or row is None:
        raise not_found(kind.noun)
    return row, user


async def get(session: AsyncSession, kind: IdentificationKind[Row], *, instance_id: str, row_id: str) -> JSON:
    return kind.render(await get_row(session, kind, instance_id=instance_id, row_id=row_id))


async def saved(session: AsyncSession, kind: IdentificationKind[Row], user: User, row: Row, *, origin: str) -> JSON:
    await save_user(session, user, origin=origin, event="user.updated")
    return kind.render(row)


def _may_be_primary(kind: IdentificationKind[Row], user: User, row: Row) -> bool:
    return is_verified(row) or not any(is_verified(other) for other in kind.rows(user) if other is not row)


def make_primary(kind: IdentificationKind[Row], user: User, row: Row) -> bool:
    if kind.primary_id(user) == row.id:
        return False
    if not _may_be_primary(kind, user, row):
        raise breaks_instance_invariant(f"You can't set an unverified {kind.noun} as a user's primary {kind.noun}.")
    kind.set_primary(user, row.id)
    return True


def set_verified(user: User, row: Row, verified: bool, *, at_ms: int) -> bool:
    """Admin (un)verification; True when the status changed."""
    if verified == is_verified(row):
        return False
    if verified:
        row.verification_status, row.verification_strategy, row.reserved = VERIFIED, "admin", False
    else:
        row.verification_status = row.verification_strategy = None
        # Clerk keeps a user's only identification reserved, so nobody else can claim it.
        row.reserved = identification_ids(user) == [row.id]
    row.verification_attempts = row.verification_expire_at = None
    row.updated_at = at_ms
    return True


async def create(
    session: AsyncSession,
    kind: IdentificationKind[Row],
    *,
    instance_id: str,
    body: CreateIdentificationBody,
    origin: str,
    rule: Rule[Row] | None = None,
) -> JSON:
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=body.user_id, for_update=True)
    at_ms = now_ms()
    row = kind.build(user, kind.identifier(body), status=VERIFIED if body.verified else "unverified", at_ms=at_ms)
    kind.rows(user).append(row)
    if body.primary:
        make_primary(kind, user, row)
    elif body.primary is None and kind.primary_id(user) is None and _may_be_primary(kind, user, row):
        kind.set_primary(user, row.id)
    if rule is not None:
        rule(user, row, at_ms)
    return await saved(session, kind, user, row, origin=origin)


async def update(
    session: AsyncSession,
    kind: IdentificationKind[Row],
    *,
    instance_id: str,
    row_id: str,
    body: UpdateIdentificationBody,
    origin: str,
    rule: Rule[Row] | None = None,
) -> JSON:
    row, user = await get_with_user(session, kind, instance_id=instance_id, row_id=row_id)
    if body.primary is False:
        raise form_param_value_invalid(
            "primary",
            f"primary can only be set to true; make another {kind.noun} primary instead.",
            status=400,
        )
    at_ms = now_ms()
    changed = body.verified is not None and set_verified(user, row, body.verified, at_ms=at_ms)
    changed = (body.primary is True and make_primary(kind, user, row)) or changed
    changed = (rule is not None and rule(user, row, at_ms)) or changed
    if not changed:
        return kind.render(row)
    return await saved(session, kind, user, row, origin=origin)


def _most_recent_verified(rows: Sequence[Row]) -> Row | None:
    verified = [row for row in rows if is_verified(row)]
    return max(verified, key=lambda row: row.created_at, default=None)


def _check_not_linked(rows: Sequence[Row]) -> None:
    if any(row.linked_to for row in rows):
        raise delete_linked_identification_disallowed()


async def _remove(session: AsyncSession, kind: IdentificationKind[Row], user: User, rows: Sequence[Row]) -> None:
    """Delete `rows` and their one-time codes, flushed now so a re-added identifier can't collide."""
    for row in rows:
        kind.rows(user).remove(row)  # delete-orphan: removing from the collection deletes the row
    ids = [row.id for row in rows]
    await session.execute(
        delete(Verification).where(
            Verification.instance_id == user.instance_id, Verification.identification_id.in_(ids)
        )
    )
    await flush(session)


async def remove(
    session: AsyncSession,
    kind: IdentificationKind[Row],
    *,
    instance_id: str,
    row_id: str,
    origin: str,
    removal_rule: RemovalRule[Row] | None = None,
) -> JSON:
    row, user = await get_with_user(session, kind, instance_id=instance_id, row_id=row_id)
    _check_not_linked([row])
    if [row.id] in (identification_ids(user), sign_in_identification_ids(user)):
        raise identification_deletion_failed()
    if kind.primary_id(user) == row.id:
        successor = _most_recent_verified([other for other in kind.rows(user) if other is not row])
        kind.set_primary(user, successor.id if successor else None)
    await _remove(session, kind, user, [row])
    if removal_rule is not None:
        removal_rule(user, [row], now_ms())
    await save_user(session, user, origin=origin, event="user.updated")
    return {"object": kind.object, "id": row.id, "deleted": True}


async def replace(
    session: AsyncSession,
    kind: IdentificationKind[Row],
    *,
    instance_id: str,
    user_id: str,
    body: ReplaceIdentificationBody,
    origin: str,
    removal_rule: RemovalRule[Row] | None = None,
) -> JSON:
    """Delete every identification of the kind and add the body's one as the only, primary one."""
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id, for_update=True)
    at_ms = now_ms()
    row = kind.build(user, kind.identifier(body), status=body.identification_status, at_ms=at_ms)
    replaced = list(kind.rows(user))
    _check_not_linked(replaced)
    await _remove(session, kind, user, replaced)
    kind.rows(user).append(row)
    kind.set_primary(user, row.id)
    if removal_rule is not None:
        removal_rule(user, replaced, at_ms)
    return await saved(session, kind, user, row, origin=origin)
