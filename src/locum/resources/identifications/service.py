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
from typing import Any, Generic, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import (
    breaks_instance_invariant,
    delete_linked_identification_disallowed,
    form_param_value_invalid,
    identification_deletion_failed,
)
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import EmailAddress, Passkey, PhoneNumber, User, Web3Wallet
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.resources.identifications.repository import IdentificationRepository, Row, VerificationRepository
from locum.resources.identifications.schemas import (
    CreateIdentificationBody,
    ReplaceIdentificationBody,
    UpdateIdentificationBody,
)
from locum.resources.identifier_lists.restrictions import check_identifiers
from locum.resources.users.repository import UserRepository
from locum.resources.users.serializers import deleted_object
from locum.resources.users.service import get_user_or_raise, save_user

# A kind's own rule, run on the loaded user and row before saving; True when it changed something.
Rule = Callable[[User, Row, int], bool]
# Run after rows of the kind were removed from the user (delete, replace).
RemovalRule = Callable[[User, Sequence[Row], int], None]

VERIFIED = "verified"


@dataclass(frozen=True)
class IdentificationKind(Generic[Row]):
    """One kind of identification; its object name also names the user's primary of the kind
    (`primary_email_address_id`) and the rows' value column."""

    repository: type[IdentificationRepository[Row]]
    object: Literal["email_address", "phone_number"]
    collection: str  # User relationship holding the rows
    otp_strategy: Literal["email_code", "phone_code"]
    channel: str | None  # how a one-time code travels ("sms"); None for email
    build: Callable[..., Row]  # users.service.new_email_address / new_phone_number
    render: Callable[[Row], JSON]

    @property
    def noun(self) -> str:
        """As it reads in messages: "email address"."""
        return self.object.replace("_", " ")

    def rows_of(self, session: AsyncSession, ctx: RequestContext) -> IdentificationRepository[Row]:
        return self.repository(session, ctx.instance_id)

    def identifier(self, row_or_body: Row | CreateIdentificationBody | ReplaceIdentificationBody) -> str:
        """The address or number of a row, or the one a body asks for: both name it after the kind."""
        value: str = getattr(row_or_body, self.object)
        return value

    def rows(self, user: User) -> list[Row]:
        rows: list[Row] = getattr(user, self.collection)
        return rows

    def primary_id(self, user: User) -> str | None:
        value: str | None = getattr(user, f"primary_{self.object}_id")
        return value

    def set_primary(self, user: User, row_id: str | None) -> None:
        setattr(user, f"primary_{self.object}_id", row_id)


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


async def get_row(session: AsyncSession, ctx: RequestContext, kind: IdentificationKind[Row], row_id: str) -> Row:
    return await kind.rows_of(session, ctx).get_or_raise(row_id)


async def get_with_user(
    session: AsyncSession, ctx: RequestContext, kind: IdentificationKind[Row], row_id: str
) -> tuple[Row, User]:
    """The row and its user locked for a change, every collection loaded (the row is the one in the
    user's list). The row is found again in the locked user's list: a concurrent request may have
    removed it while this one waited for the lock."""
    rows = kind.rows_of(session, ctx)
    user = await UserRepository(session, ctx.instance_id).get(await rows.owner_id(row_id), lock=locked)
    row = next((row for row in kind.rows(user) if row.id == row_id), None) if user is not None else None
    if user is None or row is None:
        raise rows.not_found(row_id)
    return row, user


async def get(session: AsyncSession, ctx: RequestContext, kind: IdentificationKind[Row], row_id: str) -> JSON:
    return kind.render(await get_row(session, ctx, kind, row_id))


async def saved(
    session: AsyncSession, ctx: RequestContext, kind: IdentificationKind[Row], user: User, row: Row
) -> JSON:
    await save_user(session, ctx, user, event="user.updated")
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


async def _new_row(
    session: AsyncSession, ctx: RequestContext, kind: IdentificationKind[Row], user_id: str, body: Any, status: str
) -> tuple[User, Row, int]:
    """The user locked for a change, and a new row of the kind for the identifier `body` names."""
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    at_ms = now_ms()
    row = kind.build(user, kind.identifier(body), status=status, at_ms=at_ms)
    added = [kind.identifier(row)]
    if kind.object == "email_address":
        await check_identifiers(session, ctx, email_addresses=added)
    else:
        await check_identifiers(session, ctx, phone_numbers=added)
    return user, row, at_ms


async def create(
    session: AsyncSession,
    ctx: RequestContext,
    kind: IdentificationKind[Row],
    body: CreateIdentificationBody,
    *,
    rule: Rule[Row] | None = None,
) -> JSON:
    user, row, at_ms = await _new_row(
        session, ctx, kind, body.user_id, body, VERIFIED if body.verified else "unverified"
    )
    kind.rows(user).append(row)
    if body.primary:
        make_primary(kind, user, row)
    elif body.primary is None and kind.primary_id(user) is None and _may_be_primary(kind, user, row):
        kind.set_primary(user, row.id)
    if rule is not None:
        rule(user, row, at_ms)
    return await saved(session, ctx, kind, user, row)


async def update(
    session: AsyncSession,
    ctx: RequestContext,
    kind: IdentificationKind[Row],
    row_id: str,
    body: UpdateIdentificationBody,
    *,
    rule: Rule[Row] | None = None,
) -> JSON:
    row, user = await get_with_user(session, ctx, kind, row_id)
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
    return await saved(session, ctx, kind, user, row)


def _most_recent_verified(rows: Sequence[Row]) -> Row | None:
    verified = [row for row in rows if is_verified(row)]
    return max(verified, key=lambda row: row.created_at, default=None)


def _check_not_linked(rows: Sequence[Row]) -> None:
    if any(row.linked_to for row in rows):
        raise delete_linked_identification_disallowed()


async def _remove(
    session: AsyncSession, ctx: RequestContext, kind: IdentificationKind[Row], user: User, rows: Sequence[Row]
) -> None:
    """Delete `rows` and their one-time codes, flushed now so a re-added identifier can't collide."""
    for row in rows:
        kind.rows(user).remove(row)  # delete-orphan: removing from the collection deletes the row
    await VerificationRepository(session, ctx.instance_id).delete_of([row.id for row in rows])
    await flush(session)


async def remove(
    session: AsyncSession,
    ctx: RequestContext,
    kind: IdentificationKind[Row],
    row_id: str,
    *,
    removal_rule: RemovalRule[Row] | None = None,
) -> JSON:
    row, user = await get_with_user(session, ctx, kind, row_id)
    _check_not_linked([row])
    if [row.id] in (identification_ids(user), sign_in_identification_ids(user)):
        raise identification_deletion_failed()
    if kind.primary_id(user) == row.id:
        successor = _most_recent_verified([other for other in kind.rows(user) if other is not row])
        kind.set_primary(user, successor.id if successor else None)
    await _remove(session, ctx, kind, user, [row])
    if removal_rule is not None:
        removal_rule(user, [row], now_ms())
    await save_user(session, ctx, user, event="user.updated")
    return deleted_object(kind.object, row.id)


async def replace(
    session: AsyncSession,
    ctx: RequestContext,
    kind: IdentificationKind[Row],
    user_id: str,
    body: ReplaceIdentificationBody,
    *,
    removal_rule: RemovalRule[Row] | None = None,
) -> JSON:
    """Delete every identification of the kind and add the body's one as the only, primary one."""
    user, row, at_ms = await _new_row(session, ctx, kind, user_id, body, body.identification_status)
    replaced = list(kind.rows(user))
    _check_not_linked(replaced)
    await _remove(session, ctx, kind, user, replaced)
    kind.rows(user).append(row)
    kind.set_primary(user, row.id)
    if removal_rule is not None:
        removal_rule(user, replaced, at_ms)
    return await saved(session, ctx, kind, user, row)
