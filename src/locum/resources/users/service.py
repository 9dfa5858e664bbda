"""Rules for users: creation, updates, deletion. Every change re-renders the user's document
(the JSON reads return) and records its Clerk event in the same transaction. Services flush;
the route commits."""

import base64
import binascii
from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_format_invalid, form_param_unknown, form_param_value_invalid, not_found
from locum.api.ordering import parse_order_by
from locum.api.pagination import list_document, total_count_body
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import EmailAddress, PhoneNumber, User, Web3Wallet
from locum.db.reads import Reader
from locum.db.repository import detached_row
from locum.instances.context import RequestContext
from locum.kit import passwords
from locum.kit.backup_codes import digest_backup_codes
from locum.kit.clock import now_ms, rfc3339_to_ms
from locum.kit.hashing import run_hashing
from locum.kit.identifiers import (
    email_lookup_key,
    normalize_email,
    normalize_phone,
    normalize_web3_wallet,
    username_problem,
)
from locum.kit.ids import new_id
from locum.kit.json_types import JSON
from locum.kit.sealing import Sealer
from locum.outbox.events import EventType, new_event, record
from locum.resources.api_keys.repository import ApiKeyRepository
from locum.resources.identifier_lists.restrictions import check_identifiers
from locum.resources.images.repository import ImageRepository
from locum.resources.sessions.endings import record_removed_sessions, revoke_user_sessions
from locum.resources.users.errors import (
    password_digest_invalid,
    password_param_missing,
    password_too_large,
    password_too_short,
    primary_not_verified,
    statuses_length_mismatch,
    time_invalid,
    totp_secret_invalid,
    username_not_allowed,
)
from locum.resources.users.repository import DEFAULT_ORDER, ORDER_COLUMNS, UserReads, UserRepository
from locum.resources.users.schemas import CreateUserBody, UpdateUserBody, UserFilters, UserListParams
from locum.resources.users.serializers import (
    STORED_ORIGIN,
    collections_json,
    current_document,
    deleted_user_json,
    document_and_json,
    stored_collections,
)

METADATA_FIELDS = frozenset({"public_metadata", "private_metadata", "unsafe_metadata"})
METADATA_ONLY_THROUGH_METADATA_ENDPOINTS = "2026-05-12"
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_BYTES = 72


async def list_users(reader: Reader, ctx: RequestContext, params: UserListParams) -> bytes:
    """The page of users' stored documents, joined into one array without parsing them."""
    ordering = parse_order_by(params.order_by[0] if params.order_by else None, ORDER_COLUMNS, DEFAULT_ORDER)
    if params.starting_after is not None:
        if ordering.field != "created_at":
            raise form_param_value_invalid(
                "starting_after", "starting_after can only be combined with created_at ordering."
            )
        if params.offset:
            raise form_param_value_invalid("starting_after", "starting_after cannot be combined with offset.")
    rows = await UserReads(reader, ctx.instance_id).page(params, ordering, params, starting_after=params.starting_after)
    origin = ctx.origin
    return list_document([current_document(origin, *row) for row in rows], None)


async def count_users(reader: Reader, ctx: RequestContext, filters: UserFilters) -> JSON:
    return total_count_body(await UserReads(reader, ctx.instance_id).count(filters))


async def get_user_document(reader: Reader, ctx: RequestContext, user_id: str) -> bytes:
    row = await UserReads(reader, ctx.instance_id).document(user_id)
    if row is None:
        raise not_found("user")
    return current_document(ctx.origin, *row)


async def get_user_or_raise(
    session: AsyncSession, ctx: RequestContext, user_id: str, *, for_update: bool = False
) -> User:
    """The user with every collection its JSON needs; `for_update` locks it until commit (see
    UserRepository)."""
    return await UserRepository(session, ctx.instance_id).get_or_raise(user_id, lock=locked if for_update else None)


async def _store(session: AsyncSession, user: User, ctx: RequestContext | None) -> JSON:
    """Stamp and re-render the user's stored document (written for STORED_ORIGIN, see serializers);
    returns its JSON for the request's origin (STORED_ORIGIN's without a request)."""
    user.updated_at = now_ms()
    await flush(session)
    user.document, data = document_and_json(user, STORED_ORIGIN if ctx is None else ctx.origin)
    return data


async def save_user(session: AsyncSession, ctx: RequestContext, user: User, *, event: EventType | None) -> JSON:
    """Stamp, render the document, flush, and record `event` with the same data the API returns."""
    data = await _store(session, user, ctx)
    if event is not None:
        record(session, ctx, event, data)
    await flush(session)
    return data


async def record_sign_in(session: AsyncSession, user: User, *, at_ms: int) -> None:
    """A new session: the user's sign-in and activity times move, silently (Clerk sends no event)."""
    user.last_sign_in_at = user.last_active_at = at_ms
    await _store(session, user, None)
    await flush(session)


def check_password_policy(password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise password_too_short(PASSWORD_MIN_LENGTH)
    if len(password.encode()) > PASSWORD_MAX_BYTES:
        raise password_too_large(PASSWORD_MAX_BYTES)


async def password_fields(
    *, password: str | None, digest: str | None, hasher: str | None, skip_checks: bool
) -> tuple[str, str] | None:
    """(digest, hasher) to store for a new password or imported digest; hashing runs off the event loop."""
    if password is not None:
        if not skip_checks:
            check_password_policy(password)
        return await run_hashing(passwords.hash_password, password), passwords.LOCUM_HASHER
    if digest is None and hasher is None:
        return None
    if digest is None:
        raise password_param_missing("password_digest", "password_hasher")
    if hasher is None:
        raise password_param_missing("password_hasher", "password_digest")
    if hasher not in passwords.SUPPORTED_HASHERS:
        raise form_param_value_invalid("password_hasher", f"{hasher!r} is not a supported password hasher.")
    if not passwords.is_valid_digest(hasher, digest):
        raise password_digest_invalid(hasher)
    return digest, hasher


def parse_time(value: str, param: str) -> int:
    parsed = rfc3339_to_ms(value)
    if parsed is None:
        raise time_invalid(param)
    return parsed


def check_username(username: str) -> None:
    problem = username_problem(username)
    if problem is not None:
        raise username_not_allowed(username, problem)


def check_totp_secret(secret: str) -> str:
    cleaned = secret.replace(" ", "").upper()
    try:
        base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise totp_secret_invalid() from None
    return cleaned


def _statuses(values: list[str], statuses: Sequence[str] | None, param: str) -> Sequence[str]:
    if statuses is None:
        return ["verified"] * len(values)
    if len(statuses) != len(values):
        raise statuses_length_mismatch(param)
    return statuses


def _verification_columns(status: str) -> dict[str, Any]:
    if status == "verified":
        return {"verification_status": "verified", "verification_strategy": "admin"}
    return {"verification_status": None, "verification_strategy": None}


def _new_identification(model: type[Any], user: User, kind: str, status: str, at_ms: int, **values: Any) -> Any:
    return detached_row(
        model,
        dict(
            id=new_id(kind),
            instance_id=user.instance_id,
            user_id=user.id,
            reserved=status == "reserved",
            created_at=at_ms,
            updated_at=at_ms,
            **_verification_columns(status),
            **values,
        ),
    )


def new_email_address(
    user: User, address: str, *, status: str = "verified", at_ms: int, param: str = "email_address"
) -> EmailAddress:
    normalized = normalize_email(address)
    if normalized is None:
        raise form_param_format_invalid(param, f"{address!r} is not a valid email address.")
    email: EmailAddress = _new_identification(
        EmailAddress,
        user,
        "email_address",
        status,
        at_ms,
        email_address=normalized,
        email_address_normalized=email_lookup_key(normalized),
    )
    return email


def new_phone_number(
    user: User, number: str, *, status: str = "verified", at_ms: int, param: str = "phone_number"
) -> PhoneNumber:
    normalized = normalize_phone(number)
    if normalized is None:
        raise form_param_format_invalid(param, f"{number!r} is not a valid phone number in E.164 format.")
    phone: PhoneNumber = _new_identification(PhoneNumber, user, "phone_number", status, at_ms, phone_number=normalized)
    return phone


def new_web3_wallet(user: User, address: str, *, at_ms: int) -> Web3Wallet:
    normalized = normalize_web3_wallet(address)
    if normalized is None:
        raise form_param_format_invalid("web3_wallet", f"{address!r} is not a valid web3 wallet address.")
    return detached_row(
        Web3Wallet,
        dict(
            id=new_id("web3_wallet"),
            instance_id=user.instance_id,
            user_id=user.id,
            web3_wallet=address.strip(),
            web3_wallet_normalized=normalized,
            created_at=at_ms,
            updated_at=at_ms,
            verification_status="verified",
            verification_strategy="admin",
        ),
    )


async def create_user(
    session: AsyncSession, ctx: RequestContext, body: CreateUserBody, *, sealer: Sealer, reader: Reader | None = None
) -> JSON:
    """The new user's JSON. `reader` is for a caller whose session has not begun its transaction:
    the restrictions are read on it, so that the transaction holds SQLite's write lock for the
    inserts alone."""
    created_at = parse_time(body.created_at, "created_at") if body.created_at else now_ms()
    user = detached_row(
        User,
        dict(
            id=new_id("user"),
            instance_id=ctx.instance_id,
            external_id=body.external_id,
            first_name=body.first_name,
            last_name=body.last_name,
            locale=body.locale,
            public_metadata=body.public_metadata or {},
            private_metadata=body.private_metadata or {},
            unsafe_metadata=body.unsafe_metadata or {},
            delete_self_enabled=body.delete_self_enabled if body.delete_self_enabled is not None else True,
            create_organization_enabled=(
                body.create_organization_enabled if body.create_organization_enabled is not None else True
            ),
            create_organizations_limit=body.create_organizations_limit,
            bypass_client_trust=bool(body.bypass_client_trust),
            banned=bool(body.banned),
            legal_accepted_at=parse_time(body.legal_accepted_at, "legal_accepted_at")
            if body.legal_accepted_at
            else None,
            created_at=created_at,
            updated_at=created_at,
            backup_code_digests=[],
        ),
    )
    if body.locked:
        user.locked_at = created_at
    if body.username is not None and body.username != "":
        check_username(body.username)
        user.username = body.username
        user.username_normalized = body.username.lower()
    emails = body.email_address or []
    phones = body.phone_number or []
    # Rendered and inserted as built, never set on the user's relationships (see collections_json).
    email_addresses = [
        new_email_address(user, address, status=status, at_ms=created_at)
        for address, status in zip(
            emails, _statuses(emails, body.email_address_identification_status, "email_address"), strict=True
        )
    ]
    phone_numbers = [
        new_phone_number(user, number, status=status, at_ms=created_at)
        for number, status in zip(
            phones, _statuses(phones, body.phone_number_identification_status, "phone_number"), strict=True
        )
    ]
    web3_wallets = [new_web3_wallet(user, address, at_ms=created_at) for address in body.web3_wallet or []]
    user.primary_email_address_id = email_addresses[0].id if email_addresses else None
    user.primary_phone_number_id = phone_numbers[0].id if phone_numbers else None
    user.primary_web3_wallet_id = web3_wallets[0].id if web3_wallets else None
    # The values migration 0020's triggers would set when the identifications are inserted: given
    # here, those inserts leave the user's row as it is (one write of it, as clerk_import does).
    user.primary_email_address_normalized = email_addresses[0].email_address_normalized if email_addresses else None
    user.primary_phone_number = phone_numbers[0].phone_number if phone_numbers else None
    user.primary_web3_wallet_normalized = web3_wallets[0].web3_wallet_normalized if web3_wallets else None
    if body.totp_secret is not None:
        user.sealed_totp_secret = sealer.seal(check_totp_secret(body.totp_secret))
    if body.backup_codes:
        user.backup_code_digests = await run_hashing(digest_backup_codes, body.backup_codes)
    if user.sealed_totp_secret is not None or user.backup_code_digests:
        user.mfa_enabled_at = created_at
    stored = await password_fields(
        password=body.password,
        digest=body.password_digest,
        hasher=body.password_hasher,
        skip_checks=bool(body.skip_password_checks),
    )
    if stored is not None:
        user.password_digest, user.password_hasher = stored
        user.password_last_updated_at = created_at
    identifications = [*email_addresses, *phone_numbers, *web3_wallets]
    user.updated_at = now_ms()
    collections = collections_json(
        email_addresses=email_addresses,
        phone_numbers=phone_numbers,
        web3_wallets=web3_wallets,
        passkeys=[],
        external_accounts=[],
        enterprise_accounts=[],
    )
    user.document, data = document_and_json(user, ctx.origin, collections)
    # After the hashing and the rendering: the session's first statement takes SQLite's write lock.
    await check_identifiers(
        session,
        ctx,
        email_addresses=[email.email_address for email in email_addresses],
        phone_numbers=[phone.phone_number for phone in phone_numbers],
        web3_wallets=[wallet.web3_wallet_normalized for wallet in web3_wallets],
        reader=reader,
    )
    event = new_event(session, ctx, "user.created", data)
    await UserRepository(session, ctx.instance_id).insert_rows(user, *identifications, event)
    return data


def _set_primary(
    row: dict[str, Any], attribute: str, identifications: list[JSON], identification_id: str, param: str
) -> None:
    """Make one of the user's identifications (as its JSON renders them) the primary one."""
    identification = next((i for i in identifications if i["id"] == identification_id), None)
    if identification is None:
        raise form_param_value_invalid(param, f"{identification_id} is not an identification of this user.")
    verification = identification["verification"]
    if verification is None or verification["status"] != "verified":
        raise primary_not_verified(param)
    row[attribute] = identification_id


async def _save_row(
    session: AsyncSession, ctx: RequestContext, before: dict[str, Any], row: dict[str, Any], collections: JSON
) -> JSON | None:
    """save_user for a change of the user's columns alone: `row` is `before` (the user's row as
    UserRepository.read_row or lock_row read it) changed, never in the session; one UPDATE writes
    the columns that changed and the document, rendered with the stored `collections`, and its
    event goes in with it, unless the row changed since `before` was read (None then: nothing
    written)."""
    row["updated_at"] = now_ms()
    row["document"], data = document_and_json(detached_row(User, row), ctx.origin, collections)
    changes = {name: value for name, value in row.items() if value != before[name]}
    event = new_event(session, ctx, "user.updated", data)
    users = UserRepository(session, ctx.instance_id)
    if not await users.update_unless_changed(row["id"], changes, before["document"], then_insert=[event]):
        return None
    return data


async def _changed_row(
    session: AsyncSession,
    ctx: RequestContext,
    before: dict[str, Any],
    body: UpdateUserBody,
    *,
    stored: tuple[str, str] | None,
    backup_digests: list[str] | None,
    sealer: Sealer,
) -> tuple[dict[str, Any], JSON]:
    """The user's row `before` with `body` applied (a copy), and its collections' stored JSON."""
    given = body.model_fields_set
    row = dict(before)
    collections = stored_collections(before["document"])
    at_ms = now_ms()
    for name in ("external_id", "first_name", "last_name", "locale"):
        if name in given:
            row[name] = getattr(body, name)
    for name in ("delete_self_enabled", "create_organization_enabled", "bypass_client_trust"):
        if name in given and getattr(body, name) is not None:
            row[name] = getattr(body, name)
    if "create_organizations_limit" in given:
        row["create_organizations_limit"] = body.create_organizations_limit
    for name in METADATA_FIELDS:
        if name in given:
            row[name] = getattr(body, name) or {}
    if "username" in given:
        if body.username:
            check_username(body.username)
            row["username"], row["username_normalized"] = body.username, body.username.lower()
        else:
            row["username"] = row["username_normalized"] = None
    for attribute, kind in (
        ("primary_email_address_id", "email_addresses"),
        ("primary_phone_number_id", "phone_numbers"),
        ("primary_web3_wallet_id", "web3_wallets"),
    ):
        identification_id = getattr(body, attribute)
        if identification_id is not None:
            _set_primary(row, attribute, collections[kind], identification_id, attribute)
    if body.profile_image_id is not None:
        image = await ImageRepository(session, ctx.instance_id).get(body.profile_image_id)
        if image is None:
            raise form_param_value_invalid("profile_image_id", "No image with this id exists.")
        row["image_id"] = image.id
    if stored is not None:
        row["password_digest"], row["password_hasher"] = stored
        row["password_last_updated_at"] = at_ms
        row["password_compromised"] = False
    if body.totp_secret is not None:
        row["sealed_totp_secret"] = sealer.seal(check_totp_secret(body.totp_secret))
    if backup_digests is not None:
        row["backup_code_digests"] = backup_digests
    if (body.totp_secret is not None or backup_digests) and row["mfa_enabled_at"] is None:
        row["mfa_enabled_at"] = at_ms
    if body.legal_accepted_at is not None:
        row["legal_accepted_at"] = parse_time(body.legal_accepted_at, "legal_accepted_at")
    if body.created_at is not None:
        row["created_at"] = parse_time(body.created_at, "created_at")
    return row, collections


async def update_user(
    session: AsyncSession, reader: Reader, ctx: RequestContext, user_id: str, body: UpdateUserBody, *, sealer: Sealer
) -> JSON:
    metadata_given = sorted(body.model_fields_set & METADATA_FIELDS)
    if metadata_given and ctx.api_version >= METADATA_ONLY_THROUGH_METADATA_ENDPOINTS:
        # From 2026-05-12 Clerk takes metadata only through PATCH/PUT /users/{id}/metadata.
        raise form_param_unknown(metadata_given[0])
    stored = await password_fields(
        password=body.password,
        digest=body.password_digest,
        hasher=body.password_hasher,
        skip_checks=bool(body.skip_password_checks),
    )
    backup_digests = await run_hashing(digest_backup_codes, body.backup_codes) if body.backup_codes else None
    users = UserRepository(session, ctx.instance_id)
    # First from the row read on the reader (no locking read in the transaction: on SQLite one trip
    # through the writer's thread less, and the write lock held for the writes alone), written
    # unless it changed meanwhile; then from the row read again, locked until commit.
    saved: JSON | None = None
    for read_row in (partial(users.read_row, reader), users.lock_row):
        before = await read_row(user_id)
        row, collections = await _changed_row(
            session, ctx, before, body, stored=stored, backup_digests=backup_digests, sealer=sealer
        )
        saved = await _save_row(session, ctx, before, row, collections)
        if saved is not None:
            break
    if saved is None:
        raise RuntimeError(f"user {user_id} changed while locked")
    if stored is not None and body.sign_out_of_other_sessions:
        # A backend call has no "current" session: the other sessions are all of them.
        await revoke_user_sessions(session, ctx, user_id=user_id)
    return saved


async def delete_user(session: AsyncSession, ctx: RequestContext, user_id: str) -> JSON:
    user = await UserRepository(session, ctx.instance_id).get_for_delete(user_id)
    deleted = deleted_user_json(user)
    await record_removed_sessions(session, ctx, user_id=user_id)
    await ApiKeyRepository(session, ctx.instance_id).delete_of_subject(user_id)
    await session.delete(user)
    record(session, ctx, "user.deleted", deleted)
    await flush(session)
    return deleted
