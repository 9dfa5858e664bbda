"""User queries the generic paths can't express: the list filters, ordering and cursor of GET /users."""

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select

from locum.api.errors import ClerkError, form_param_value_invalid
from locum.api.ordering import Ordering
from locum.api.pagination import Page
from locum.db.models import EmailAddress, ExternalAccount, PhoneNumber, User, Web3Wallet
from locum.db.reads import CompiledRead, Reader
from locum.kit.clock import now_ms
from locum.kit.identifiers import email_lookup_key, normalize_phone, normalize_web3_wallet

MAX_FILTER_VALUES = 100
LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class UserFilters:
    email_address: list[str] = field(default_factory=list)
    phone_number: list[str] = field(default_factory=list)
    external_id: list[str] = field(default_factory=list)
    username: list[str] = field(default_factory=list)
    web3_wallet: list[str] = field(default_factory=list)
    user_id: list[str] = field(default_factory=list)
    organization_id: list[str] = field(default_factory=list)
    query: str | None = None
    email_address_query: str | None = None
    phone_number_query: str | None = None
    username_query: str | None = None
    name_query: str | None = None
    banned: bool | None = None
    last_active_at_before: int | None = None
    last_active_at_after: int | None = None
    created_at_before: int | None = None
    created_at_after: int | None = None
    last_sign_in_at_before: int | None = None
    last_sign_in_at_after: int | None = None
    provider: str | None = None
    provider_user_id: list[str] = field(default_factory=list)


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    escaped = text.lower().replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape=LIKE_ESCAPE)


def _split_signed(values: list[str]) -> tuple[list[str], list[str]]:
    """`+value`/`value` include, `-value` exclude (Clerk's convention for id filters)."""
    include = [v.removeprefix("+") for v in values if not v.startswith("-")]
    exclude = [v[1:] for v in values if v.startswith("-")]
    return include, exclude


def _owned_by(model: Any, instance_id: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return User.id.in_(select(model.user_id).where(model.instance_id == instance_id, condition))


def _query_condition(instance_id: str, text: str) -> ColumnElement[bool]:
    return or_(
        _contains(User.id, text),
        _contains(User.external_id, text),
        _contains(User.username, text),
        _contains(User.first_name, text),
        _contains(User.last_name, text),
        _owned_by(EmailAddress, instance_id, _contains(EmailAddress.email_address, text)),
        _owned_by(PhoneNumber, instance_id, _contains(PhoneNumber.phone_number, text)),
        _owned_by(Web3Wallet, instance_id, _contains(Web3Wallet.web3_wallet, text)),
    )


def _check_sizes(filters: UserFilters) -> None:
    for name in ("email_address", "phone_number", "external_id", "username", "web3_wallet", "user_id",
                 "organization_id", "provider_user_id"):
        if len(getattr(filters, name)) > MAX_FILTER_VALUES:
            raise ClerkError(
                422,
                "form_param_array_size_exceeded",
                "too many values",
                f"{name} accepts at most {MAX_FILTER_VALUES} values.",
                {"param_name": name},
            )


def filter_conditions(instance_id: str, filters: UserFilters) -> list[ColumnElement[bool]]:
    _check_sizes(filters)
    conditions: list[ColumnElement[bool]] = [User.instance_id == instance_id]
    if filters.email_address:
        keys = [email_lookup_key(v) for v in filters.email_address]
        conditions.append(_owned_by(EmailAddress, instance_id, EmailAddress.email_address_normalized.in_(keys)))
    if filters.phone_number:
        numbers = [normalize_phone(v) or v for v in filters.phone_number]
        conditions.append(_owned_by(PhoneNumber, instance_id, PhoneNumber.phone_number.in_(numbers)))
    if filters.web3_wallet:
        wallets = [normalize_web3_wallet(v) or v for v in filters.web3_wallet]
        conditions.append(_owned_by(Web3Wallet, instance_id, Web3Wallet.web3_wallet_normalized.in_(wallets)))
    if filters.username:
        conditions.append(User.username_normalized.in_([v.lower() for v in filters.username]))
    for values, column in ((filters.user_id, User.id), (filters.external_id, User.external_id)):
        include, exclude = _split_signed(values)
        if include:
            conditions.append(column.in_(include))
        if exclude:
            conditions.append(or_(column.is_(None), column.not_in(exclude)))
    include_orgs, _exclude_orgs = _split_signed(filters.organization_id)
    if include_orgs:
        # Organizations arrive with their own issue; until then no user belongs to any.
        conditions.append(User.id.in_([]))
    if filters.query:
        conditions.append(_query_condition(instance_id, filters.query))
    if filters.email_address_query:
        conditions.append(_owned_by(EmailAddress, instance_id, _contains(EmailAddress.email_address, filters.email_address_query)))
    if filters.phone_number_query:
        conditions.append(_owned_by(PhoneNumber, instance_id, _contains(PhoneNumber.phone_number, filters.phone_number_query)))
    if filters.username_query:
        conditions.append(_contains(User.username, filters.username_query))
    if filters.name_query:
        full_name = func.coalesce(User.first_name, "") + " " + func.coalesce(User.last_name, "")
        conditions.append(_contains(full_name, filters.name_query))
    if filters.banned is not None:
        conditions.append(User.banned.is_(filters.banned))
    for value, column, before in (
        (filters.last_active_at_before, User.last_active_at, True),
        (filters.last_active_at_after, User.last_active_at, False),
        (filters.created_at_before, User.created_at, True),
        (filters.created_at_after, User.created_at, False),
        (filters.last_sign_in_at_before, User.last_sign_in_at, True),
        (filters.last_sign_in_at_after, User.last_sign_in_at, False),
    ):
        if value is not None:
            conditions.append(column < value if before else column > value)
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
        conditions.append(
            _owned_by(
                ExternalAccount,
                instance_id,
                and_(ExternalAccount.provider == provider, ExternalAccount.provider_user_id.in_(filters.provider_user_id)),
            )
        )
    return conditions


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
DEFAULT_ORDER = "-created_at"


def list_statement(
    instance_id: str, filters: UserFilters, ordering: Ordering, page: Page, starting_after: str | None
) -> Select[Any]:
    conditions = filter_conditions(instance_id, filters)
    if starting_after is not None:
        if ordering.field != "created_at":
            raise form_param_value_invalid("starting_after", "starting_after can only be combined with created_at ordering.")
        if page.offset:
            raise form_param_value_invalid("starting_after", "starting_after cannot be combined with offset.")
        # An unknown cursor id leaves the bound NULL, and the page empty.
        cursor_created_at = (
            select(User.created_at).where(User.instance_id == instance_id, User.id == starting_after).scalar_subquery()
        )
        if ordering.descending:
            after = or_(User.created_at < cursor_created_at, and_(User.created_at == cursor_created_at, User.id < starting_after))
        else:
            after = or_(User.created_at > cursor_created_at, and_(User.created_at == cursor_created_at, User.id > starting_after))
        conditions.append(after)
    column = ORDER_COLUMNS[ordering.field]
    return (
        select(User.document, User.locked_at, User.lockout_expires_at)
        .where(*conditions)
        .order_by(ordering.apply(column), ordering.apply(User.id))
        .limit(page.limit)
        .offset(page.offset)
    )


def count_statement(instance_id: str, filters: UserFilters) -> Select[Any]:
    return select(func.count()).select_from(User).where(*filter_conditions(instance_id, filters))


USER_DOCUMENT = select(User.document, User.locked_at, User.lockout_expires_at).where(
    User.instance_id == bindparam("instance_id"), User.id == bindparam("user_id")
)


def current_document(document: bytes, locked_at: int | None, lockout_expires_at: int | None) -> bytes:
    """The stored JSON, with the lockout countdown brought up to date (the only time-dependent field)."""
    if locked_at is None or lockout_expires_at is None:
        return document
    data = orjson.loads(document)
    remaining_ms = lockout_expires_at - now_ms()
    data["locked"] = remaining_ms > 0
    data["lockout_expires_in_seconds"] = -(-remaining_ms // 1000) if remaining_ms > 0 else None
    return orjson.dumps(data)


async def fetch_user_document(reader: Reader, *, instance_id: str, user_id: str) -> bytes | None:
    rows = await reader.fetch(reader.prepared(USER_DOCUMENT), {"instance_id": instance_id, "user_id": user_id})
    return current_document(*rows[0]) if rows else None


async def fetch_user_documents(reader: Reader, statement: Select[Any]) -> list[bytes]:
    rows = await reader.fetch(CompiledRead(statement, reader.dialect))
    return [current_document(*row) for row in rows]


async def count_users(reader: Reader, statement: Select[Any]) -> int:
    rows = await reader.fetch(CompiledRead(statement, reader.dialect))
    return int(rows[0][0])
