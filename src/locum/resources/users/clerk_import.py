"""Importing the user CSV that Clerk's Dashboard exports (`locum import-clerk-users`).

The format. Clerk's Dashboard (instance Settings > User exports > Export users) writes a CSV with a
header row and one user a row; it is the only export with password digests and TOTP secrets
(clerk.com/docs/guides/development/migrating/export-from-clerk; Clerk's own converter
github.com/clerk/migration-script helpers/user_export_csv_to_json.ts reads these 13 columns, and
WorkOS's migrate-clerk-users ships the same header in example-input.csv):

    id,first_name,last_name,username,primary_email_address,primary_phone_number,
    verified_email_addresses,unverified_email_addresses,verified_phone_numbers,
    unverified_phone_numbers,totp_secret,password_digest,password_hasher

A cell that holds several addresses or numbers (the verified_/unverified_ columns) separates them
with commas, inside one quoted CSV cell (`"a@x.com,b@x.com"`); a JSON array there is read too. Empty
cells are empty strings. Columns may come in any order; others (e.g. a `created_at`, RFC 3339 or
Unix milliseconds, which some exports add) are read when known and ignored otherwise.

What a row becomes is what `POST /v1/users` makes of the same data (service.create_user): the
email addresses (primary first, then the verified, then the unverified ones) with their
verification, the phone numbers likewise, the username, the names, the password digest kept with
its hasher (verified and upgraded to argon2id at the first sign-in, kit/passwords.py), the TOTP
secret sealed. The user keeps its Clerk id, so tokens' `sub` and foreign keys elsewhere keep
working. Differences, on purpose: no `user.created` event (an import is not a sign-up; a 100,000-user
import would flood the webhook endpoints), and the instance's allow/block-list restrictions are not
applied (an administrator moves existing users).

How. Rows are read, checked and rendered in Python and written a batch at a time: one transaction
per batch, a Core `insert` executemany per table, so a batch is all there or not at all (kill -9
included). Uniqueness is checked per batch with one `SELECT … IN` per identifier kind plus the sets
of what the file has already claimed. A user whose id is already in the instance with the same
content was imported by an earlier run (counted "already imported"), which is how a re-run after a
crash finishes the job. Nothing is hashed: digests are kept as given.

PostgreSQL plans those lookups from its statistics of the tables, which only ANALYZE brings up to
date (autovacuum does it in the background, if the server runs it). Planned for the tables as they
were before the import, a lookup of a batch's ids reads every row of the instance, so each batch
costs more than the last: on a server without autovacuum, 8,000 users a minute at 110,000 users,
and 130,000 a minute after one ANALYZE. The import analyzes the tables it reads on PostgreSQL
whenever the users it imported have doubled since it last did (after the first batch, the second,
the fourth, …): about ten ANALYZEs for a million users, under a second each.

Speed: parsing and rendering are two thirds of the work, and Python does them on one core. In a
large file they are done by worker processes (one less than the machine has cores), a few batches
ahead, while this process checks and writes the batch before; the writes themselves stay here,
one transaction a batch, so a kill leaves what it left before. A small file is prepared in this
process: starting a worker (a second Python importing locum) would cost more than it saves.
"""

import asyncio
import csv
import functools
import gc
import itertools
import multiprocessing
import operator
import os
import re
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import JSON, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from locum.api.errors import ClerkError
from locum.db.base import ID_LENGTH
from locum.db.models import EmailAddress, PhoneNumber, User
from locum.db.models.users import NAME_LENGTH
from locum.db.text_search import trigram_indexing_after
from locum.kit import passwords
from locum.kit.clock import now_ms, rfc3339_to_ms
from locum.kit.identifiers import email_lookup_key, normalize_email, normalize_phone, username_problem
from locum.kit.ids import new_id
from locum.kit.sealing import Sealer
from locum.resources.users.serializers import STORED_ORIGIN, user_json
from locum.resources.users.service import check_totp_secret

COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "username",
    "primary_email_address",
    "primary_phone_number",
    "verified_email_addresses",
    "unverified_email_addresses",
    "verified_phone_numbers",
    "unverified_phone_numbers",
    "totp_secret",
    "password_digest",
    "password_hasher",
)
OPTIONAL_COLUMNS = ("created_at",)
BATCH_SIZE = 2_000
# Files from this size (about 6,000 users) are parsed and rendered by worker processes.
WORKERS_FROM_BYTES = 2 * 1024 * 1024
MAX_WORKERS = 3
PARENT_CHECK_SECONDS = 0.2
SQLITE_CACHE_KIB = 128 * 1024
MAX_IDENTIFIERS = 100  # of each kind, per user (Clerk's own bound on a user's identifications)
MAX_CELL_CHARACTERS = 10_000
# The tables an import writes that have trigram tables (db/text_search.py INDEXED_TEXT); the same
# three are the ones its lookups read (`_existing`).
SEARCHED_TABLES = ("users", "email_addresses", "phone_numbers")
ANALYZE_LOOKED_UP_TABLES = f"ANALYZE {', '.join(SEARCHED_TABLES)}"
_ID_CHARACTERS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
USERS = cast(Any, User.__table__)
EMAILS = cast(Any, EmailAddress.__table__)
PHONES = cast(Any, PhoneNumber.__table__)
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    table.name: tuple(column.name for column in table.columns) for table in (USERS, EMAILS, PHONES)
}
_COLUMN_VALUES = {name: operator.itemgetter(*columns) for name, columns in TABLE_COLUMNS.items()}


def _json_column_names(table: Any) -> frozenset[str]:
    return frozenset(column.name for column in table.columns if isinstance(column.type, JSON))


_JSON_COLUMNS = {table.name: _json_column_names(table) for table in (USERS, EMAILS, PHONES)}


class BadHeader(ValueError):
    """The file is not a Clerk user export (no `id` column, or not CSV at all)."""


@dataclass(frozen=True)
class Skipped:
    row: int  # as a spreadsheet numbers it: the header is row 1
    user_id: str
    reason: str


@dataclass
class ImportSummary:
    imported: int = 0
    already_imported: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.imported + self.already_imported + len(self.skipped)

    @property
    def users_per_second(self) -> float:
        return self.imported / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


class ParsedUser(NamedTuple):  # a tuple: worker processes send it back pickled, by the thousand
    row: int
    id: str
    first_name: str | None
    last_name: str | None
    username: str | None
    emails: tuple[tuple[str, bool], ...]  # (address as stored, verified), the primary first
    phones: tuple[tuple[str, bool], ...]
    totp_secret: str | None
    password: tuple[str, str] | None  # (digest, hasher)
    created_at: int | None

    def identity(self) -> tuple[Any, ...]:
        """What an earlier import of this row stored, to tell "already imported" from a clash."""
        return (
            self.first_name,
            self.last_name,
            self.username,
            self.emails[0][0].lower() if self.emails else None,
            self.phones[0][0] if self.phones else None,
            frozenset((address.lower(), verified) for address, verified in self.emails),
            frozenset(self.phones),
        )


class RowProblem(ValueError):
    pass


def _cell(row: dict[str, str | None], name: str) -> str:
    value = (row.get(name) or "").strip()
    if len(value) > MAX_CELL_CHARACTERS:
        raise RowProblem(f"{name} is longer than {MAX_CELL_CHARACTERS} characters")
    return value


def split_list(value: str) -> list[str]:
    """A multi-value cell: comma-separated (as Clerk writes it), or a JSON array."""
    if not value:
        return []
    if value.startswith("["):
        try:
            items = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RowProblem(f"{value[:80]!r} is neither a comma-separated list nor a JSON array") from None
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise RowProblem(f"{value[:80]!r} is not a JSON array of strings")
        return [item.strip() for item in items if item.strip()]
    return [item.strip() for item in value.split(",") if item.strip()]


def _name(row: dict[str, str | None], column: str) -> str | None:
    value = _cell(row, column)
    if len(value) > NAME_LENGTH:
        raise RowProblem(f"{column} is longer than {NAME_LENGTH} characters")
    return value or None


def _identifiers(
    primary: str, verified: list[str], unverified: list[str], normalize: Callable[[str], str | None], kind: str
) -> tuple[tuple[str, bool], ...]:
    """(value, verified) in create_user's order: the primary first, then verified, then unverified;
    a value listed twice counts once (verified if the verified list names it)."""
    normalized: dict[str, str] = {}
    for value in ([primary] if primary else []) + verified + unverified:
        if value not in normalized:
            result = normalize(value)
            if result is None:
                raise RowProblem(f"{value[:80]!r} is not a valid {kind}")
            normalized[value] = result
    ordered = list(dict.fromkeys(normalized.values()))
    if len(ordered) > MAX_IDENTIFIERS:
        raise RowProblem(f"more than {MAX_IDENTIFIERS} {kind}s")
    verified_keys = {normalized[value] for value in verified}
    unverified_keys = {normalized[value] for value in unverified}
    # The primary is verified unless only the unverified list names it.
    return tuple(
        (value, value in verified_keys or (index == 0 and bool(primary) and value not in unverified_keys))
        for index, value in enumerate(ordered)
    )


# email_validator spends most of its time on the domain: an ASCII dot-atom local part at a domain
# it already accepted normalizes to the local part unchanged at the domain as it normalized it.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_MAX_LOCAL_PART = 64
_MAX_EMAIL = 254


@functools.lru_cache(maxsize=4096)
def _email_domain(domain: str) -> str | None:
    """The domain as normalize_email writes it, or None when it refuses the domain."""
    normalized = normalize_email(f"a@{domain}")
    return normalized.partition("@")[2] if normalized is not None else None


def fast_normalize_email(address: str) -> str | None:
    """normalize_email's answer, taking the short way for the common address (tests compare them)."""
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if at and len(local) <= _MAX_LOCAL_PART and len(address) <= _MAX_EMAIL and _DOT_ATOM.fullmatch(local):
        normalized_domain = _email_domain(domain)
        if normalized_domain is None:
            return None
        candidate = f"{local}@{normalized_domain}"
        if len(candidate) <= _MAX_EMAIL:
            return candidate
    return normalize_email(address)


def _created_at(value: str) -> int | None:
    if not value:
        return None
    if value.isdigit():
        return int(value)
    parsed = rfc3339_to_ms(value)
    if parsed is None:
        raise RowProblem(f"created_at {value[:40]!r} is neither RFC 3339 nor Unix milliseconds")
    return parsed


def parse_row(row: dict[str, str | None], number: int) -> ParsedUser:
    """One CSV row as a user to store; RowProblem says why it can't be."""
    if None in row:
        raise RowProblem("the row has more cells than the header has columns")
    user_id = _cell(row, "id")
    if not user_id:
        raise RowProblem("id is missing")
    prefix, _, body = user_id.partition("_")
    if prefix != "user" or not body or len(user_id) > ID_LENGTH or not set(body) <= _ID_CHARACTERS:
        raise RowProblem(f"id {user_id[:80]!r} is not a Clerk user id (user_ and letters or digits)")
    username = _cell(row, "username") or None
    if username is not None:
        problem = username_problem(username)
        if problem is not None:
            raise RowProblem(f"username {username[:80]!r} is not allowed ({problem})")
    emails = _identifiers(
        _cell(row, "primary_email_address"),
        split_list(_cell(row, "verified_email_addresses")),
        split_list(_cell(row, "unverified_email_addresses")),
        fast_normalize_email,
        "email address",
    )
    phones = _identifiers(
        _cell(row, "primary_phone_number"),
        split_list(_cell(row, "verified_phone_numbers")),
        split_list(_cell(row, "unverified_phone_numbers")),
        normalize_phone,
        "phone number (E.164)",
    )
    totp = _cell(row, "totp_secret") or None
    if totp is not None:
        try:
            totp = check_totp_secret(totp)
        except ClerkError:
            raise RowProblem("totp_secret is not base32") from None
    digest, hasher = _cell(row, "password_digest"), _cell(row, "password_hasher")
    password: tuple[str, str] | None = None
    if digest or hasher:
        if not digest:
            raise RowProblem("password_hasher is given without a password_digest")
        if not hasher:
            raise RowProblem("password_digest is given without a password_hasher")
        if hasher not in passwords.SUPPORTED_HASHERS:
            raise RowProblem(f"password_hasher {hasher[:40]!r} is not a supported hasher")
        if not passwords.is_valid_digest(hasher, digest):
            raise RowProblem(f"password_digest is not a valid {hasher} digest")
        password = (digest, hasher)
    return ParsedUser(
        row=number,
        id=user_id,
        first_name=_name(row, "first_name"),
        last_name=_name(row, "last_name"),
        username=username,
        emails=emails,
        phones=phones,
        totp_secret=totp,
        password=password,
        created_at=_created_at(_cell(row, "created_at")),
    )


def _verification(verified: bool) -> dict[str, Any]:
    # As service._verification_columns: a verified identification was verified by an admin.
    return {
        "verification_status": "verified" if verified else None,
        "verification_strategy": "admin" if verified else None,
        "verification_attempts": None,
        "verification_expire_at": None,
    }


class UserRows(NamedTuple):
    """A user's rows, each a tuple of its table's columns in their order (TABLE_COLUMNS): tuples
    pickle in a fraction of the time dicts do."""

    user: tuple[Any, ...]
    emails: list[tuple[Any, ...]]
    phones: list[tuple[Any, ...]]


def user_rows(parsed: ParsedUser, instance_id: str, sealer: Sealer, at_ms: int, *, json_as_text: bool) -> UserRows:
    """The rows create_user would write for this user, its stored document rendered the same way;
    JSON columns as their text when `json_as_text` (as SQLite binds them), else as values."""
    created_at = parsed.created_at if parsed.created_at is not None else at_ms
    common = {"instance_id": instance_id, "user_id": parsed.id, "reserved": False, "linked_to": []}
    emails = [
        {
            "id": new_id("email_address"),
            **common,
            "email_address": address,
            "email_address_normalized": email_lookup_key(address),
            **_verification(verified),
            "created_at": created_at,
            "updated_at": created_at,
        }
        for address, verified in parsed.emails
    ]
    phones = [
        {
            "id": new_id("phone_number"),
            **common,
            "phone_number": number,
            "reserved_for_second_factor": False,
            "default_second_factor": False,
            **_verification(verified),
            "created_at": created_at,
            "updated_at": created_at,
        }
        for number, verified in parsed.phones
    ]
    digest, hasher = parsed.password if parsed.password is not None else (None, None)
    sealed_totp = sealer.seal(parsed.totp_secret) if parsed.totp_secret is not None else None
    user: dict[str, Any] = {
        "id": parsed.id,
        "instance_id": instance_id,
        "external_id": None,
        "username": parsed.username,
        "username_normalized": parsed.username.lower() if parsed.username else None,
        "first_name": parsed.first_name,
        "last_name": parsed.last_name,
        "locale": None,
        "image_id": None,
        "primary_email_address_id": emails[0]["id"] if emails else None,
        "primary_phone_number_id": phones[0]["id"] if phones else None,
        "primary_web3_wallet_id": None,
        # What the triggers would set when the identifications are inserted: given, they change nothing.
        "primary_email_address_normalized": emails[0]["email_address_normalized"] if emails else None,
        "primary_phone_number": phones[0]["phone_number"] if phones else None,
        "primary_web3_wallet_normalized": None,
        "password_digest": digest,
        "password_hasher": hasher,
        "password_last_updated_at": created_at if digest is not None else None,
        "password_compromised": False,
        "sealed_totp_secret": sealed_totp,
        "backup_code_digests": [],
        "mfa_enabled_at": created_at if sealed_totp is not None else None,
        "mfa_disabled_at": None,
        "public_metadata": {},
        "private_metadata": {},
        "unsafe_metadata": {},
        "banned": False,
        "locked_at": None,
        "lockout_expires_at": None,
        "failed_verification_attempts": 0,
        "delete_self_enabled": True,
        "create_organization_enabled": True,
        "create_organizations_limit": None,
        "bypass_client_trust": False,
        "legal_accepted_at": None,
        "last_sign_in_at": None,
        "last_active_at": None,
        "created_at": created_at,
        "updated_at": created_at,
    }
    # serializers.user_json reads attributes: the rows as attribute bags render the same document.
    view = SimpleNamespace(
        **user,
        email_addresses=[SimpleNamespace(**row) for row in emails],
        phone_numbers=[SimpleNamespace(**row) for row in phones],
        web3_wallets=[],
        passkeys=[],
        external_accounts=[],
        enterprise_accounts=[],
    )
    user["document"] = orjson.dumps(user_json(cast(User, view), STORED_ORIGIN))
    if json_as_text:
        for table, table_rows in ((USERS, [user]), (EMAILS, emails), (PHONES, phones)):
            for table_row in table_rows:
                for name in _JSON_COLUMNS[table.name]:
                    table_row[name] = orjson.dumps(table_row[name]).decode()
    user_values, email_values, phone_values = (_COLUMN_VALUES[table.name] for table in (USERS, EMAILS, PHONES))
    return UserRows(user_values(user), [email_values(row) for row in emails], [phone_values(row) for row in phones])


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str | None]]]:
    """(row number, cells by column) for each record of the file; BadHeader when it isn't an export."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        header = reader.fieldnames
        if not header or "id" not in header:
            raise BadHeader(f"{path} has no `id` column: expected Clerk's header ({','.join(COLUMNS)})")
        yield from enumerate(reader, start=2)


@dataclass
class _Claims:
    """Identifiers the file has claimed so far (lower-cased emails, phones, lower-cased usernames)."""

    ids: dict[str, int] = field(default_factory=dict)
    emails: dict[str, int] = field(default_factory=dict)
    phones: dict[str, int] = field(default_factory=dict)
    usernames: dict[str, int] = field(default_factory=dict)


@dataclass
class _Existing:
    """What the instance already holds of a batch's identifiers, by owner."""

    users: dict[str, tuple[Any, ...]]
    emails: dict[str, str]
    phones: dict[str, str]
    usernames: dict[str, str]


async def _existing(connection: AsyncConnection, instance_id: str, batch: Sequence[ParsedUser]) -> _Existing:
    ids = [user.id for user in batch]
    emails = {email_lookup_key(address) for user in batch for address, _ in user.emails}
    phones = {number for user in batch for number, _ in user.phones}
    usernames = {user.username.lower() for user in batch if user.username}
    users = (
        await connection.execute(
            select(
                USERS.c.id,
                USERS.c.first_name,
                USERS.c.last_name,
                USERS.c.username,
                USERS.c.primary_email_address_id,
                USERS.c.primary_phone_number_id,
            ).where(USERS.c.instance_id == instance_id, USERS.c.id.in_(ids))
        )
    ).all()
    found = {row.id for row in users}
    owned_emails: dict[str, list[tuple[str, str, bool]]] = {user_id: [] for user_id in found}
    owned_phones: dict[str, list[tuple[str, str, bool]]] = {user_id: [] for user_id in found}
    email_owners: dict[str, str] = {}
    phone_owners: dict[str, str] = {}
    if emails or found:
        rows = await connection.execute(
            select(
                EMAILS.c.id, EMAILS.c.user_id, EMAILS.c.email_address_normalized, EMAILS.c.verification_status
            ).where(
                EMAILS.c.instance_id == instance_id,
                EMAILS.c.email_address_normalized.in_(emails) | EMAILS.c.user_id.in_(found),
            )
        )
        for row in rows:
            email_owners[row.email_address_normalized] = row.user_id
            if row.user_id in owned_emails:
                owned_emails[row.user_id].append(
                    (row.id, row.email_address_normalized, row.verification_status == "verified")
                )
    if phones or found:
        rows = await connection.execute(
            select(PHONES.c.id, PHONES.c.user_id, PHONES.c.phone_number, PHONES.c.verification_status).where(
                PHONES.c.instance_id == instance_id, PHONES.c.phone_number.in_(phones) | PHONES.c.user_id.in_(found)
            )
        )
        for row in rows:
            phone_owners[row.phone_number] = row.user_id
            if row.user_id in owned_phones:
                owned_phones[row.user_id].append((row.id, row.phone_number, row.verification_status == "verified"))
    username_owners: dict[str, str] = {}
    if usernames:
        rows = await connection.execute(
            select(USERS.c.id, USERS.c.username_normalized).where(
                USERS.c.instance_id == instance_id, USERS.c.username_normalized.in_(usernames)
            )
        )
        username_owners = {row.username_normalized: row.id for row in rows}
    identities: dict[str, tuple[Any, ...]] = {}
    for row in users:
        emails_of, phones_of = owned_emails[row.id], owned_phones[row.id]
        primary_email = next(
            (email for email_id, email, _ in emails_of if email_id == row.primary_email_address_id), None
        )
        primary_phone = next(
            (phone for phone_id, phone, _ in phones_of if phone_id == row.primary_phone_number_id), None
        )
        identities[row.id] = (
            row.first_name,
            row.last_name,
            row.username,
            primary_email,
            primary_phone,
            frozenset((email, verified) for _, email, verified in emails_of),
            frozenset((phone, verified) for _, phone, verified in phones_of),
        )
    return _Existing(identities, email_owners, phone_owners, username_owners)


def _clash(parsed: ParsedUser, claims: _Claims, existing: _Existing) -> str | None:
    """Why this user can't be stored beside what the instance and the file already have, or None."""
    if parsed.id in claims.ids:
        return f"duplicate id: row {claims.ids[parsed.id]} has {parsed.id} too"
    for address, _ in parsed.emails:
        key = email_lookup_key(address)
        if key in claims.emails:
            return f"email address {address} is also on row {claims.emails[key]}"
        if key in existing.emails:
            return f"email address {address} already belongs to user {existing.emails[key]}"
    for number, _ in parsed.phones:
        if number in claims.phones:
            return f"phone number {number} is also on row {claims.phones[number]}"
        if number in existing.phones:
            return f"phone number {number} already belongs to user {existing.phones[number]}"
    if parsed.username:
        key = parsed.username.lower()
        if key in claims.usernames:
            return f"username {parsed.username} is also on row {claims.usernames[key]}"
        if key in existing.usernames:
            return f"username {parsed.username} already belongs to user {existing.usernames[key]}"
    return None


def _claim(parsed: ParsedUser, claims: _Claims) -> None:
    claims.ids[parsed.id] = parsed.row
    for address, _ in parsed.emails:
        claims.emails.setdefault(email_lookup_key(address), parsed.row)
    for number, _ in parsed.phones:
        claims.phones.setdefault(number, parsed.row)
    if parsed.username:
        claims.usernames.setdefault(parsed.username.lower(), parsed.row)


async def _insert(connection: AsyncConnection, table: Any, rows: list[tuple[Any, ...]]) -> None:
    """insert(table) executemany of rows in TABLE_COLUMNS order; on SQLite straight to the driver,
    the values as SQLAlchemy would bind them (user_rows wrote JSON as its text; booleans and bytes
    as sqlite3 adapts them): its per-value processing is a fifth of an import's time."""
    if not rows:
        return
    names = TABLE_COLUMNS[table.name]
    if connection.dialect.name != "sqlite":
        await connection.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])
        return
    statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    await connection.exec_driver_sql(statement, rows)


async def _write(connection: AsyncConnection, rows: Sequence[UserRows]) -> None:
    await _insert(connection, USERS, [user.user for user in rows])
    await _insert(connection, EMAILS, [email for user in rows for email in user.emails])
    await _insert(connection, PHONES, [phone for user in rows for phone in user.phones])


class ClerkUserImport:
    """One import into one instance: `batch` checks and writes a batch of parsed rows in one
    transaction, updating `summary`."""

    def __init__(self, engine: AsyncEngine, sealer: Sealer, instance_id: str) -> None:
        self.engine = engine
        self.sealer = sealer
        self.instance_id = instance_id
        self.claims = _Claims()
        self.summary = ImportSummary()

    def skip(self, row: int, user_id: str, reason: str) -> None:
        self.summary.skipped.append(Skipped(row, user_id, reason))

    async def batch(self, batch: Sequence[tuple[ParsedUser, UserRows]]) -> None:
        if not batch:
            return
        async with self.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                # The users table's indexes outgrow SQLite's default 2 MiB page cache within a few
                # thousand users, and every insert then reads pages back.
                await connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            existing = await _existing(connection, self.instance_id, [parsed for parsed, _ in batch])
            accepted: list[tuple[ParsedUser, UserRows]] = []
            for parsed, rows in batch:
                stored = existing.users.get(parsed.id)
                if stored is not None and parsed.id not in self.claims.ids:
                    _claim(parsed, self.claims)
                    if stored == parsed.identity():
                        self.summary.already_imported += 1
                    else:
                        self.skip(parsed.row, parsed.id, f"user {parsed.id} already exists with other data")
                    continue
                clash = _clash(parsed, self.claims, existing)
                if clash is not None:
                    self.skip(parsed.row, parsed.id, clash)
                    continue
                _claim(parsed, self.claims)
                accepted.append((parsed, rows))
            if not accepted:
                return
            try:
                async with connection.begin_nested(), trigram_indexing_after(connection, SEARCHED_TABLES):
                    await _write(connection, [rows for _, rows in accepted])
            except IntegrityError:
                # Something the checks couldn't see (a user id another instance holds; a user
                # created meanwhile through the API): find the rows that clash one by one.
                pass
            else:
                self.summary.imported += len(accepted)
                return
            for parsed, rows in accepted:
                try:
                    async with connection.begin_nested():
                        await _write(connection, [rows])
                except IntegrityError:
                    self.skip(parsed.row, parsed.id, "clashes with an existing row (its id or an identifier is taken)")
                else:
                    self.summary.imported += 1


Prepared = tuple[ParsedUser, UserRows] | Skipped


def prepare_rows(
    rows: Sequence[tuple[int, dict[str, str | None]]], instance_id: str, sealer: Sealer, json_as_text: bool
) -> list[Prepared]:
    """Each row parsed and rendered (the rows to write if the checks accept it), or why it is skipped."""
    at_ms = now_ms()
    prepared: list[Prepared] = []
    for number, row in rows:
        try:
            parsed = parse_row(row, number)
        except RowProblem as problem:
            prepared.append(Skipped(number, (row.get("id") or "").strip()[:80], str(problem)))
        else:
            prepared.append((parsed, user_rows(parsed, instance_id, sealer, at_ms, json_as_text=json_as_text)))
    return prepared


def _start_worker(parent_pid: int) -> None:
    """A worker process's start: no garbage collector (a worker lives for one import, and its
    objects go by reference counting), and an exit as soon as the importing process is gone (one
    killed outright can't stop its workers, which would otherwise wait for work forever)."""
    gc.disable()

    def exit_with_parent() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=exit_with_parent, daemon=True).start()


def worker_count(path: Path) -> int:
    """Worker processes for importing this file: none for a small one, else one less than the cores
    (this process needs one for the database), and no more than the database can keep up with."""
    return min((os.cpu_count() or 1) - 1, MAX_WORKERS) if path.stat().st_size >= WORKERS_FROM_BYTES else 0


async def _prepared_batches(
    path: Path, instance_id: str, sealer: Sealer, batch_size: int, workers: int, json_as_text: bool
) -> AsyncGenerator[list[Prepared]]:
    """The file's rows prepared a batch at a time, in order: by `workers` processes, each batch
    started while earlier ones are written, or here (0 workers)."""
    records = read_rows(path)
    raw = iter(lambda: list(itertools.islice(records, batch_size)), [])
    if workers == 0:
        for rows in raw:
            yield prepare_rows(rows, instance_id, sealer, json_as_text)
        return
    loop = asyncio.get_running_loop()
    # spawn: this process runs the database driver's threads, which a forked child would inherit broken.
    pool: Executor = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker, initargs=(os.getpid(),)
    )
    try:
        ahead = deque(
            loop.run_in_executor(pool, prepare_rows, rows, instance_id, sealer, json_as_text)
            for rows in itertools.islice(raw, workers + 1)
        )
        while ahead:
            prepared = await ahead.popleft()
            for rows in itertools.islice(raw, 1):
                ahead.append(loop.run_in_executor(pool, prepare_rows, rows, instance_id, sealer, json_as_text))
            yield prepared
    finally:
        pool.shutdown(cancel_futures=True)


async def import_clerk_users(
    engine: AsyncEngine,
    sealer: Sealer,
    instance_id: str,
    path: Path,
    *,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import `path` (Clerk's user export) into the instance; `progress(rows)` after each batch.
    `workers`: processes that parse and render (default: by the file's size and the cores)."""
    started = time.perf_counter()
    work = ClerkUserImport(engine, sealer, instance_id)
    rows_done = 0
    workers = worker_count(path) if workers is None else workers
    json_as_text = engine.dialect.name == "sqlite"
    # On PostgreSQL, users imported at which the looked-up tables are analyzed next (module docstring).
    analyze_at = 1 if engine.dialect.name == "postgresql" else None
    batches = _prepared_batches(path, instance_id, sealer, batch_size, workers, json_as_text)
    async with aclosing(batches):
        async for prepared in batches:
            batch: list[tuple[ParsedUser, UserRows]] = []
            for item in prepared:
                if isinstance(item, Skipped):
                    work.summary.skipped.append(item)
                else:
                    batch.append(item)
            await work.batch(batch)
            rows_done += len(prepared)
            if progress is not None:
                progress(rows_done)
            if analyze_at is not None and work.summary.imported >= analyze_at:
                async with engine.begin() as connection:
                    await connection.exec_driver_sql(ANALYZE_LOOKED_UP_TABLES)
                analyze_at = 2 * work.summary.imported
    # Rows skipped while parsing and once checked, in the file's order.
    work.summary.skipped.sort(key=lambda skipped: skipped.row)
    work.summary.elapsed_seconds = time.perf_counter() - started
    return work.summary
