"""The users' queries: the ORM reads and locks of a write (`UserRepository`, `TrustedDeviceRepository`)
and the bare-driver reads of GET /users, GET /users/count and GET /users/{id} (`UserReads`).

A filtered list is compiled once per *shape* (which filters are present and how many values each
binds) and reused: compiling a statement costs more than running it. So each filter is split in
two: `_bind_values` turns the request into bind values, and `CONDITIONS` turns named bind
parameters into SQL. Neither sees the other's side.
"""

from collections.abc import Callable, Sequence
from typing import Any, cast

import orjson
from sqlalchemy import (
    JSON,
    BindParameter,
    Boolean,
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.orm import selectinload

from locum.api.errors import not_found
from locum.api.ordering import Ordering
from locum.api.pagination import PageQuery, counting
from locum.api.query import check_filter_sizes, split_signed
from locum.db.base import Base
from locum.db.constraints import update_rows
from locum.db.locking import kept, locked, locked_for_delete
from locum.db.models import (
    EmailAddress,
    EnterpriseAccount,
    EnterpriseConnection,
    ExternalAccount,
    OrganizationMembership,
    Passkey,
    PhoneNumber,
    TrustedDevice,
    User,
    Web3Wallet,
)
from locum.db.planner_stats import selective_range
from locum.db.reads import Reader, Row
from locum.db.repository import InstanceRepository, Lock
from locum.db.row_counts import instance_row_count
from locum.db.text_search import contains_in_any, contains_indexed, full_name, search_values
from locum.kit.identifiers import email_lookup_key, normalize_phone, normalize_web3_wallet
from locum.resources.users.errors import provider_filter_incomplete
from locum.resources.users.schemas import UserFilters

MAX_FILTER_VALUES = 100
DEFAULT_ORDER = "-created_at"


INSTANCE: BindParameter[str] = bindparam("instance_id")
Binds = list[BindParameter[Any]]


def _owned_by(model: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return User.id.in_(select(model.user_id).where(model.instance_id == INSTANCE, condition))


def _members(organization_ids: Binds) -> Any:
    return select(OrganizationMembership.user_id).where(
        OrganizationMembership.instance_id == INSTANCE, OrganizationMembership.organization_id.in_(organization_ids)
    )


def _member_of(organization_ids: Binds) -> ColumnElement[bool]:
    return User.id.in_(_members(organization_ids))


def _matches_query(b: Binds) -> ColumnElement[bool]:
    # A union of each table's matches, so that each is found through its own trigram index
    # (PostgreSQL cannot combine index scans across an OR of subqueries).
    return User.id.in_(
        union(
            select(User.id).where(
                User.instance_id == INSTANCE,
                contains_in_any((User.id, User.external_id, User.username, User.first_name, User.last_name), b),
            ),
            *(
                select(model.user_id).where(model.instance_id == INSTANCE, contains_indexed(column, b))
                for model, column in (
                    (EmailAddress, EmailAddress.email_address),
                    (PhoneNumber, PhoneNumber.phone_number),
                    (Web3Wallet, Web3Wallet.web3_wallet),
                )
            ),
        )
    )


def _matches_name(b: Binds) -> ColumnElement[bool]:
    return contains_indexed(full_name(User.first_name, User.last_name), b, indexed_as=("users", "full_name"))


# filter name -> SQL over its bind parameters (one per value `_bind_values` produced)
CONDITIONS: dict[str, Callable[[Binds], ColumnElement[bool]]] = {
    "email_address": lambda b: _owned_by(EmailAddress, EmailAddress.email_address_normalized.in_(b)),
    "phone_number": lambda b: _owned_by(PhoneNumber, PhoneNumber.phone_number.in_(b)),
    "web3_wallet": lambda b: _owned_by(Web3Wallet, Web3Wallet.web3_wallet_normalized.in_(b)),
    "username": lambda b: User.username_normalized.in_(b),
    "user_id": lambda b: User.id.in_(b),
    "user_id_excluded": lambda b: User.id.not_in(b),
    "external_id": lambda b: User.external_id.in_(b),
    "external_id_excluded": lambda b: or_(User.external_id.is_(None), User.external_id.not_in(b)),
    "organization_id": lambda b: _member_of(b),
    "organization_id_excluded": lambda b: User.id.not_in(_members(b)),
    "query": _matches_query,
    "email_address_query": lambda b: _owned_by(EmailAddress, contains_indexed(EmailAddress.email_address, b)),
    "phone_number_query": lambda b: _owned_by(PhoneNumber, contains_indexed(PhoneNumber.phone_number, b)),
    "username_query": lambda b: contains_indexed(User.username, b),
    "name_query": _matches_name,
    "banned": lambda b: User.banned == b[0],
    "last_active_at_before": lambda b: selective_range(User.last_active_at < b[0]),
    "last_active_at_after": lambda b: selective_range(User.last_active_at > b[0]),
    "created_at_before": lambda b: selective_range(User.created_at < b[0]),
    "created_at_after": lambda b: selective_range(User.created_at > b[0]),
    "last_sign_in_at_before": lambda b: selective_range(User.last_sign_in_at < b[0]),
    "last_sign_in_at_after": lambda b: selective_range(User.last_sign_in_at > b[0]),
    "provider": lambda b: _owned_by(
        ExternalAccount, and_(ExternalAccount.provider == b[0], ExternalAccount.provider_user_id.in_(b[1:]))
    ),
}
PATTERN_FILTERS = ("query", "email_address_query", "phone_number_query", "username_query", "name_query")
SCALAR_FILTERS = (
    "banned",
    "last_active_at_before",
    "last_active_at_after",
    "created_at_before",
    "created_at_after",
    "last_sign_in_at_before",
    "last_sign_in_at_after",
)


def _bind_values(filters: UserFilters) -> dict[str, list[Any]]:
    """filter name -> the values its condition binds, for the filters this request uses."""
    check_filter_sizes(filters, MAX_FILTER_VALUES)
    values: dict[str, list[Any]] = {}
    if filters.email_address:
        values["email_address"] = [email_lookup_key(v) for v in filters.email_address]
    if filters.phone_number:
        values["phone_number"] = [normalize_phone(v) or v for v in filters.phone_number]
    if filters.web3_wallet:
        values["web3_wallet"] = [normalize_web3_wallet(v) or v for v in filters.web3_wallet]
    if filters.username:
        values["username"] = [v.lower() for v in filters.username]
    for name in ("user_id", "external_id", "organization_id"):
        include, exclude = split_signed(getattr(filters, name))
        if include:
            values[name] = include
        if exclude:
            values[f"{name}_excluded"] = exclude
    for name in PATTERN_FILTERS:
        text = getattr(filters, name)
        if text:
            values[name] = search_values(text)
    for name in SCALAR_FILTERS:
        value = getattr(filters, name)
        if value is not None:
            values[name] = [value]
    if filters.provider is not None or filters.provider_user_id:
        if filters.provider is None or not filters.provider_user_id:
            raise provider_filter_incomplete("provider" if filters.provider is None else "provider_user_id")
        provider = filters.provider if filters.provider.startswith("oauth_") else f"oauth_{filters.provider}"
        values["provider"] = [provider, *filters.provider_user_id]
    return values


def _conditions(values: dict[str, list[Any]]) -> list[ColumnElement[bool]]:
    conditions = [User.instance_id == INSTANCE]
    for name, bound in values.items():
        conditions.append(CONDITIONS[name]([bindparam(f"{name}_{i}") for i in range(len(bound))]))
    return conditions


def _parameters(instance_id: str, values: dict[str, list[Any]]) -> dict[str, Any]:
    parameters: dict[str, Any] = {"instance_id": instance_id}
    for name, bound in values.items():
        parameters.update({f"{name}_{i}": value for i, value in enumerate(bound)})
    return parameters


def _shape(values: dict[str, list[Any]]) -> tuple[tuple[str, int], ...]:
    return tuple((name, len(bound)) for name, bound in values.items())


ORDER_COLUMNS: dict[str, Any] = {
    "created_at": User.created_at,
    "updated_at": User.updated_at,
    "email_address": User.primary_email_address_normalized,
    "web3wallet": User.primary_web3_wallet_normalized,
    "phone_number": User.primary_phone_number,
    "first_name": User.first_name,
    "last_name": User.last_name,
    "username": User.username_normalized,
    "last_active_at": User.last_active_at,
    "last_sign_in_at": User.last_sign_in_at,
}
DOCUMENT_COLUMNS = (User.document, User.locked_at, User.lockout_expires_at)


def _after_cursor(descending: bool) -> ColumnElement[bool]:
    cursor: BindParameter[str] = bindparam("starting_after")
    # An unknown cursor id leaves the bound NULL, and the page empty.
    cursor_created_at = select(User.created_at).where(User.instance_id == INSTANCE, User.id == cursor).scalar_subquery()
    if descending:
        return or_(User.created_at < cursor_created_at, and_(User.created_at == cursor_created_at, User.id < cursor))
    return or_(User.created_at > cursor_created_at, and_(User.created_at == cursor_created_at, User.id > cursor))


def _list_statement(
    values: dict[str, list[Any]], ordering: Ordering, with_cursor: bool
) -> Select[bytes, int | None, int | None]:
    conditions = _conditions(values)
    if with_cursor:
        conditions.append(_after_cursor(ordering.descending))
    order = (ordering.apply(ORDER_COLUMNS[ordering.field]), ordering.apply(User.id))
    # The page's ids first, from the order's index alone, then only their rows: a deep offset
    # skips index entries, not users' documents.
    page_ids = select(User.id).where(*conditions).order_by(*order).limit(bindparam("limit")).offset(bindparam("offset"))
    return select(*DOCUMENT_COLUMNS).where(User.instance_id == INSTANCE, User.id.in_(page_ids)).order_by(*order)


USER_DOCUMENT = select(*DOCUMENT_COLUMNS).where(User.instance_id == INSTANCE, User.id == bindparam("user_id"))
_ONE_USER = (User.instance_id == INSTANCE, User.id == bindparam("user_id"))
PASSWORD_STATE = select(User.password_digest, User.password_hasher, User.locked_at, User.lockout_expires_at).where(
    *_ONE_USER
)
SECOND_FACTOR_STATE = select(User.sealed_totp_secret, User.backup_code_digests).where(*_ONE_USER)


class UserReads:
    """One instance's user reads on the bare-driver reader; rows come back as the driver gives them
    (a document row is `DOCUMENT_COLUMNS`, rendered by serializers.current_document)."""

    def __init__(self, reader: Reader, instance_id: str) -> None:
        self.reader = reader
        self.instance_id = instance_id

    async def page(
        self, filters: UserFilters, ordering: Ordering, page: PageQuery, *, starting_after: str | None
    ) -> list[Row]:
        values = _bind_values(filters)
        with_cursor = starting_after is not None
        read = self.reader.prepared_by_shape(
            ("users.list", _shape(values), ordering, with_cursor),
            lambda: _list_statement(values, ordering, with_cursor),
        )
        parameters = _parameters(self.instance_id, values) | {"limit": page.limit, "offset": page.offset}
        if with_cursor:
            parameters["starting_after"] = starting_after
        return await self.reader.fetch(read, parameters)

    async def count(self, filters: UserFilters) -> int:
        """How many users match; without a filter, the instance's row count (db/row_counts.py)."""
        values = _bind_values(filters)
        read = self.reader.prepared_by_shape(
            ("users.count", _shape(values)),
            lambda: counting(User).where(*_conditions(values)) if values else instance_row_count("users", INSTANCE),
        )
        rows = await self.reader.fetch(read, _parameters(self.instance_id, values))
        return int(rows[0][0])

    async def _one(self, statement: Any, user_id: str) -> Row | None:
        rows = await self.reader.fetch_by_key(
            self.reader.prepared(statement), {"instance_id": self.instance_id, "user_id": user_id}
        )
        return rows[0] if rows else None

    async def _one_or_raise(self, statement: Any, user_id: str) -> Row:
        row = await self._one(statement, user_id)
        if row is None:
            raise not_found("user")
        return row

    async def document(self, user_id: str) -> Row | None:
        """The user's DOCUMENT_COLUMNS."""
        return await self._one(USER_DOCUMENT, user_id)

    async def password_state(self, user_id: str) -> Row:
        """(password_digest, password_hasher, locked_at, lockout_expires_at)."""
        return await self._one_or_raise(PASSWORD_STATE, user_id)

    async def second_factor_state(self, user_id: str) -> Row:
        """(sealed_totp_secret, backup_code_digests)."""
        return await self._one_or_raise(SECOND_FACTOR_STATE, user_id)


USER_GRAPH = (
    selectinload(User.email_addresses),
    selectinload(User.phone_numbers),
    selectinload(User.web3_wallets),
    selectinload(User.passkeys),
    selectinload(User.external_accounts),
    selectinload(User.enterprise_accounts)
    .selectinload(EnterpriseAccount.enterprise_connection)
    .options(selectinload(EnterpriseConnection.domain_rows), selectinload(EnterpriseConnection.saml)),
)


USER_COLUMNS = cast(Table, User.__table__)
# Built once (every PATCH of a user runs them, and building them cost more than running them).
USER_ROW = select(USER_COLUMNS).where(USER_COLUMNS.c.instance_id == INSTANCE, USER_COLUMNS.c.id == bindparam("user_id"))
LOCKED_USER_ROW = locked(USER_ROW)
# Bind names apart from the columns', which name the SET values.
UPDATE_UNCHANGED_USER = update(USER_COLUMNS).where(
    USER_COLUMNS.c.instance_id == bindparam("where_instance_id"),
    USER_COLUMNS.c.id == bindparam("where_id"),
    USER_COLUMNS.c.document == bindparam("where_document"),
)


def _decoder(column: Any) -> Callable[[Any], Any] | None:
    """What turns the bare driver's value of `column` into the ORM's: JSON comes as text (both
    drivers), booleans as integers (SQLite)."""
    if isinstance(column.type, JSON):
        return orjson.loads
    if isinstance(column.type, Boolean):
        return bool
    return None


ROW_DECODERS = tuple((column.name, _decoder(column)) for column in USER_COLUMNS.columns)


class UserRepository(InstanceRepository[User]):
    """Users read through the ORM with every collection their JSON needs (no lazy loads under asyncio),
    or as their row alone (`lock_row`), for a change of the user's columns that takes its collections'
    JSON from the stored document.

    Every change of a user re-renders its whole document from what was read, so a change reads
    the user with `lock=locked` (db/locking.py): read without it, it would undo a concurrent one.
    """

    model = User
    id_kind = "user"

    def not_found(self, id: str) -> Exception:
        return not_found("user")

    async def get(self, id: str, *, lock: Lock | None = None) -> User | None:
        statement = self.select().where(User.id == id).options(*USER_GRAPH)
        user: User | None = await self.session.scalar(lock(statement) if lock is not None else statement)
        return user

    async def lock_row(self, id: str) -> dict[str, Any]:
        """The user's columns by name (the stored document included), read by one Core statement and
        locked until commit as `get(lock=locked)` locks them; not found raises."""
        connection = await self.session.connection()
        row = (await connection.execute(LOCKED_USER_ROW, {"instance_id": self.instance_id, "user_id": id})).first()
        if row is None:
            raise self.not_found(id)
        return dict(row._mapping)

    async def read_row(self, reader: Reader, id: str) -> dict[str, Any]:
        """`lock_row`'s columns read on the reader, apart from the session's transaction and without
        a lock: for `update_unless_changed`. Not found raises."""
        rows = await reader.fetch_by_key(reader.prepared(USER_ROW), {"instance_id": self.instance_id, "user_id": id})
        if not rows:
            raise self.not_found(id)
        return {
            name: value if decode is None or value is None else decode(value)
            for (name, decode), value in zip(ROW_DECODERS, rows[0], strict=True)
        }

    async def update_unless_changed(
        self, id: str, values: dict[str, Any], document: bytes, *, then_insert: Sequence[Base] = ()
    ) -> bool:
        """UPDATE the user's columns `values` names if its stored document is still `document` (every
        change of a user re-renders it, so a row read unlocked is still current), and INSERT the new
        rows `then_insert` (the change's event) as `insert_rows` does; False, writing nothing, if it
        changed or the user is gone. A unique-constraint violation on an identifier raises
        IdentifierTaken."""
        parameters = {**values, "where_instance_id": self.instance_id, "where_id": id, "where_document": document}
        changed = await update_rows(self.session, UPDATE_UNCHANGED_USER, parameters, self.rows_by_table(*then_insert))
        return changed == 1

    async def keep_or_raise(self, id: str) -> None:
        """Check the user exists and keep it from being deleted until commit: for inserting a row
        that references it (a deletion in between would fail the insert's foreign key)."""
        if await self.session.scalar(kept(self.select(User.id).where(User.id == id))) is None:
            raise self.not_found(id)

    async def require(self, id: str) -> None:
        if await self.session.scalar(self.select(User.id).where(User.id == id)) is None:
            raise self.not_found(id)

    async def get_for_delete(self, id: str) -> User:
        user: User | None = await self.session.scalar(locked_for_delete(self.select().where(User.id == id)))
        if user is None:
            raise self.not_found(id)
        return user

    async def lock_many(self, ids: list[str]) -> list[User]:
        """The users among `ids`, locked in id order so that two bulk requests over overlapping users
        can't deadlock."""
        statement = self.select().where(User.id.in_(ids)).options(*USER_GRAPH).order_by(User.id)
        return list(await self.session.scalars(locked(statement)))


class TrustedDeviceRepository(InstanceRepository[TrustedDevice]):
    model = TrustedDevice
    id_kind = "trusted_device"

    def not_found(self, id: str) -> Exception:
        return not_found("trusted device")

    async def active(self, user_id: str) -> list[TrustedDevice]:
        """The user's active devices, in enrolment order."""
        statement = (
            self.select()
            .where(TrustedDevice.user_id == user_id, TrustedDevice.status == "active")
            .order_by(TrustedDevice.created_at, TrustedDevice.id)
        )
        return list(await self.session.scalars(statement))

    async def lock_active_or_raise(self, user_id: str, device_id: str) -> TrustedDevice:
        device: TrustedDevice | None = await self.session.scalar(
            locked(
                self.select().where(
                    TrustedDevice.user_id == user_id, TrustedDevice.id == device_id, TrustedDevice.status == "active"
                )
            )
        )
        if device is None:
            raise self.not_found(device_id)
        return device


class ExternalAccountRepository(InstanceRepository[ExternalAccount]):
    model = ExternalAccount
    id_kind = "external_account"

    def not_found(self, id: str) -> Exception:
        return not_found("external account")

    async def provider_user_taken(self, provider: str, provider_user_id: str) -> bool:
        statement = self.select(ExternalAccount.id).where(
            ExternalAccount.provider == provider, ExternalAccount.provider_user_id == provider_user_id
        )
        return await self.session.scalar(statement) is not None


class PasskeyRepository(InstanceRepository[Passkey]):
    model = Passkey
    id_kind = "passkey"

    def not_found(self, id: str) -> Exception:
        return not_found("passkey")
