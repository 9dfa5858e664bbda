"""Membership reads: one organization's filtered members, a user's memberships, the instance's.

Each page is rendered from bulk loads (memberships with roles and permissions, then the page's
users with their email addresses, then its organizations): a constant number of queries per page.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from locum.api.errors import ClerkError
from locum.api.ordering import Ordering
from locum.db.models import EmailAddress, Organization, OrganizationMembership, PhoneNumber, Role, User, Web3Wallet
from locum.db.text_search import contains
from locum.kit.identifiers import email_lookup_key, normalize_phone, normalize_web3_wallet
from locum.resources.organization_memberships.schemas import MembershipListQuery, PageQuery
from locum.resources.organizations.serializers import JSON, membership_json, organization_json

MAX_FILTER_VALUES = 100
DEFAULT_ORDER = "-created_at"


def _primary(model: Any, column: Any, primary_id: Any) -> Any:
    return select(column).where(model.id == primary_id).scalar_subquery()


ORDER_COLUMNS: dict[str, Any] = {
    "created_at": OrganizationMembership.created_at,
    "first_name": User.first_name,
    "last_name": User.last_name,
    "username": User.username_normalized,
    "email_address": _primary(EmailAddress, EmailAddress.email_address_normalized, User.primary_email_address_id),
    "phone_number": _primary(PhoneNumber, PhoneNumber.phone_number, User.primary_phone_number_id),
}

ROLE_WITH_PERMISSIONS = selectinload(OrganizationMembership.role).selectinload(Role.permissions)


def _user_owns(model: Any, instance_id: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return User.id.in_(select(model.user_id).where(model.instance_id == instance_id, condition))


def _matches_query(instance_id: str, text: str) -> ColumnElement[bool]:
    return or_(
        contains(User.id, text),
        contains(User.username, text),
        contains(User.first_name, text),
        contains(User.last_name, text),
        _user_owns(EmailAddress, instance_id, contains(EmailAddress.email_address, text)),
        _user_owns(PhoneNumber, instance_id, contains(PhoneNumber.phone_number, text)),
        _user_owns(Web3Wallet, instance_id, contains(Web3Wallet.web3_wallet, text)),
    )


def _check_sizes(filters: MembershipListQuery) -> None:
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


def filter_conditions(instance_id: str, filters: MembershipListQuery) -> list[ColumnElement[bool]]:
    """SQL for the filters the request uses, over memberships joined with their users."""
    _check_sizes(filters)
    conditions: list[ColumnElement[bool]] = []
    # `+id`/`id` include, `-id` exclude, as on Clerk's other id filters.
    included = [v.removeprefix("+") for v in filters.user_id if not v.startswith("-")]
    excluded = [v[1:] for v in filters.user_id if v.startswith("-")]
    if included:
        conditions.append(OrganizationMembership.user_id.in_(included))
    if excluded:
        conditions.append(OrganizationMembership.user_id.not_in(excluded))
    if filters.email_address:
        keys = [email_lookup_key(v) for v in filters.email_address]
        conditions.append(_user_owns(EmailAddress, instance_id, EmailAddress.email_address_normalized.in_(keys)))
    if filters.phone_number:
        numbers = [normalize_phone(v) or v for v in filters.phone_number]
        conditions.append(_user_owns(PhoneNumber, instance_id, PhoneNumber.phone_number.in_(numbers)))
    if filters.web3_wallet:
        wallets = [normalize_web3_wallet(v) or v for v in filters.web3_wallet]
        conditions.append(_user_owns(Web3Wallet, instance_id, Web3Wallet.web3_wallet_normalized.in_(wallets)))
    if filters.username:
        conditions.append(User.username_normalized.in_([v.lower() for v in filters.username]))
    if filters.role:
        role_ids = select(Role.id).where(Role.instance_id == instance_id, Role.key.in_(filters.role))
        conditions.append(OrganizationMembership.role_id.in_(role_ids))
    if filters.query:
        conditions.append(_matches_query(instance_id, filters.query))
    if filters.email_address_query:
        text = filters.email_address_query
        conditions.append(_user_owns(EmailAddress, instance_id, contains(EmailAddress.email_address, text)))
    if filters.phone_number_query:
        text = filters.phone_number_query
        conditions.append(_user_owns(PhoneNumber, instance_id, contains(PhoneNumber.phone_number, text)))
    if filters.username_query:
        conditions.append(contains(User.username, filters.username_query))
    if filters.name_query:
        full_name = func.coalesce(User.first_name, "") + " " + func.coalesce(User.last_name, "")
        conditions.append(contains(full_name, filters.name_query))
    if filters.last_active_at_before is not None:
        conditions.append(User.last_active_at < filters.last_active_at_before)
    if filters.last_active_at_after is not None:
        conditions.append(User.last_active_at > filters.last_active_at_after)
    if filters.created_at_before is not None:
        conditions.append(User.created_at < filters.created_at_before)
    if filters.created_at_after is not None:
        conditions.append(User.created_at > filters.created_at_after)
    return conditions


async def render_memberships(
    session: AsyncSession, memberships: Sequence[OrganizationMembership], *, origin: str
) -> list[JSON]:
    """Clerk's JSON for memberships loaded with ROLE_WITH_PERMISSIONS."""
    if not memberships:
        return []
    user_ids = {m.user_id for m in memberships}
    users = await session.scalars(select(User).where(User.id.in_(user_ids)).options(selectinload(User.email_addresses)))
    users_by_id = {user.id: user for user in users}
    organizations = await session.scalars(
        select(Organization).where(Organization.id.in_({m.organization_id for m in memberships}))
    )
    organization_data = {o.id: organization_json(o, origin=origin) for o in organizations}
    return [
        membership_json(
            m,
            organization=organization_data[m.organization_id],
            role=m.role,
            user=users_by_id[m.user_id],
            origin=origin,
        )
        for m in memberships
    ]


def _memberships(conditions: Sequence[ColumnElement[bool]]) -> Select[Any]:
    return select(OrganizationMembership).join(User, User.id == OrganizationMembership.user_id).where(*conditions)


async def list_memberships(
    session: AsyncSession,
    *,
    conditions: Sequence[ColumnElement[bool]],
    ordering: Ordering,
    page: PageQuery,
    origin: str,
) -> tuple[list[JSON], int]:
    """A page of the memberships matching `conditions` (which must scope them to one instance),
    and how many match in all."""
    statement = _memberships(conditions)
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    column = ORDER_COLUMNS[ordering.field]
    memberships = await session.scalars(
        statement.options(ROLE_WITH_PERMISSIONS)
        .order_by(ordering.apply(column), ordering.apply(OrganizationMembership.id))
        .limit(page.limit)
        .offset(page.offset)
    )
    return await render_memberships(session, memberships.all(), origin=origin), int(total or 0)


async def membership_id(session: AsyncSession, *, instance_id: str, organization_id: str, user_id: str) -> str | None:
    """The id of the user's membership of the organization, None when the user is not a member."""
    return await session.scalar(
        select(OrganizationMembership.id).where(
            OrganizationMembership.instance_id == instance_id,
            OrganizationMembership.organization_id == organization_id,
            OrganizationMembership.user_id == user_id,
        )
    )
