"""The queries of GET /users and GET /users/count: filters, ordering, cursor, and the document reads.

A filtered list is compiled once per *shape* (which filters are present and how many values each
binds) and reused: compiling a statement costs more than running it. So each filter is split in
two: `_bind_values` turns the request into bind values, and `CONDITIONS` turns named bind
parameters into SQL. Neither sees the other's side.
"""

from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, func, or_, select

from locum.api.errors import ClerkError, form_param_value_invalid
from locum.api.ordering import Ordering
from locum.api.paging import PageQuery
from locum.api.query import split_signed
from locum.db.models import EmailAddress, ExternalAccount, OrganizationMembership, PhoneNumber, User, Web3Wallet
from locum.db.reads import Reader
from locum.db.text_search import contains, contains_pattern
from locum.kit.clock import now_ms
from locum.kit.identifiers import email_lookup_key, normalize_phone, normalize_web3_wallet
from locum.resources.users.schemas import UserFilters
from locum.resources.users.serializers import MAX_VERIFICATION_ATTEMPTS, with_origin

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
    (pattern,) = b
    return or_(
        contains(User.id, pattern),
        contains(User.external_id, pattern),
        contains(User.username, pattern),
        contains(User.first_name, pattern),
        contains(User.last_name, pattern),
        _owned_by(EmailAddress, contains(EmailAddress.email_address, pattern)),
        _owned_by(PhoneNumber, contains(PhoneNumber.phone_number, pattern)),
        _owned_by(Web3Wallet, contains(Web3Wallet.web3_wallet, pattern)),
    )


def _full_name() -> ColumnElement[str]:
    return func.coalesce(User.first_name, "") + " " + func.coalesce(User.last_name, "")


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
    "email_address_query": lambda b: _owned_by(EmailAddress, contains(EmailAddress.email_address, b[0])),
    "phone_number_query": lambda b: _owned_by(PhoneNumber, contains(PhoneNumber.phone_number, b[0])),
    "username_query": lambda b: contains(User.username, b[0]),
    "name_query": lambda b: contains(_full_name(), b[0]),
    "banned": lambda b: User.banned == b[0],
    "last_active_at_before": lambda b: User.last_active_at < b[0],
    "last_active_at_after": lambda b: User.last_active_at > b[0],
    "created_at_before": lambda b: User.created_at < b[0],
    "created_at_after": lambda b: User.created_at > b[0],
    "last_sign_in_at_before": lambda b: User.last_sign_in_at < b[0],
    "last_sign_in_at_after": lambda b: User.last_sign_in_at > b[0],
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


def _check_sizes(filters: UserFilters) -> None:
    for name in type(filters).model_fields:
        values = getattr(filters, name)
        if isinstance(values, list) and len(values) > MAX_FILTER_VALUES:
            raise ClerkError(
                422,
                "form_param_array_size_exceeded",
                "too many values",
                f"{name} accepts at most {MAX_FILTER_VALUES} values.",
                {"param_name": name},
            )


def _bind_values(filters: UserFilters) -> dict[str, list[Any]]:
    """filter name -> the values its condition binds, for the filters this request uses."""
    _check_sizes(filters)
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
            values[name] = [contains_pattern(text)]
    for name in SCALAR_FILTERS:
        value = getattr(filters, name)
        if value is not None:
            values[name] = [value]
    if filters.provider is not None or filters.provider_user_id:
        if filters.provider is None or not filters.provider_user_id:
            raise ClerkError(
                422,
                "form_conditional_param_missing",
                "provider and provider_user_id go together",
                "provider and provider_user_id must be given together.",
                {"param_name": "provider" if filters.provider is None else "provider_user_id"},
            )
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


def _primary(model: Any, column: Any, primary_id: Any) -> Any:
    return select(column).where(model.id == primary_id).scalar_subquery()


ORDER_COLUMNS: dict[str, Any] = {
    "created_at": User.created_at,
    "updated_at": User.updated_at,
    "email_address": _primary(EmailAddress, EmailAddress.email_address_normalized, User.primary_email_address_id),
    "web3wallet": _primary(Web3Wallet, Web3Wallet.web3_wallet_normalized, User.primary_web3_wallet_id),
    "phone_number": _primary(PhoneNumber, PhoneNumber.phone_number, User.primary_phone_number_id),
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
    column = ORDER_COLUMNS[ordering.field]
    return (
        select(*DOCUMENT_COLUMNS)
        .where(*conditions)
        .order_by(ordering.apply(column), ordering.apply(User.id))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def current_document(origin: str, document: bytes, locked_at: int | None, lockout_expires_at: int | None) -> bytes:
    """The stored JSON for this server's origin, with the lockout brought up to date (the only
    time-dependent fields): an expired lockout reads as unlocked with a fresh count of attempts,
    as the next write will store."""
    document = with_origin(bytes(document), origin)
    if locked_at is None or lockout_expires_at is None:
        return document
    data = orjson.loads(document)
    remaining_ms = lockout_expires_at - now_ms()
    if remaining_ms > 0:
        data["lockout_expires_in_seconds"] = -(-remaining_ms // 1000)
    else:
        data.update(
            locked=False, lockout_expires_in_seconds=None, verification_attempts_remaining=MAX_VERIFICATION_ATTEMPTS
        )
    return orjson.dumps(data)


async def list_user_documents(
    reader: Reader,
    *,
    instance_id: str,
    origin: str,
    filters: UserFilters,
    ordering: Ordering,
    page: PageQuery,
    starting_after: str | None,
) -> list[bytes]:
    if starting_after is not None:
        if ordering.field != "created_at":
            raise form_param_value_invalid(
                "starting_after", "starting_after can only be combined with created_at ordering."
            )
        if page.offset:
            raise form_param_value_invalid("starting_after", "starting_after cannot be combined with offset.")
    values = _bind_values(filters)
    with_cursor = starting_after is not None
    read = reader.prepared_by_shape(
        ("users.list", _shape(values), ordering, with_cursor), lambda: _list_statement(values, ordering, with_cursor)
    )
    parameters = _parameters(instance_id, values) | {"limit": page.limit, "offset": page.offset}
    if with_cursor:
        parameters["starting_after"] = starting_after
    return [current_document(origin, *row) for row in await reader.fetch(read, parameters)]


async def count_users(reader: Reader, *, instance_id: str, filters: UserFilters) -> int:
    values = _bind_values(filters)
    read = reader.prepared_by_shape(
        ("users.count", _shape(values)), lambda: select(func.count()).select_from(User).where(*_conditions(values))
    )
    rows = await reader.fetch(read, _parameters(instance_id, values))
    return int(rows[0][0])


USER_DOCUMENT = select(*DOCUMENT_COLUMNS).where(User.instance_id == INSTANCE, User.id == bindparam("user_id"))


async def fetch_user_document(reader: Reader, *, instance_id: str, user_id: str, origin: str) -> bytes | None:
    rows = await reader.fetch_by_key(reader.prepared(USER_DOCUMENT), {"instance_id": instance_id, "user_id": user_id})
    return current_document(origin, *rows[0]) if rows else None
