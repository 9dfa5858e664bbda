"""The membership lists' queries: one organization's filtered members, a user's memberships, the
instance's. The queries every membership rule needs are the organization aggregate's
(organizations/repository.py: MembershipRepository), which these extend.

A page is loaded with its roles and permissions; the service renders it from bulk loads of the
page's users and organizations: a constant number of queries per page.
"""

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.util import find_tables

from locum.api.ordering import Ordering
from locum.api.pagination import Page, PageQuery, page_of
from locum.api.query import check_filter_sizes
from locum.db.models import EmailAddress, OrganizationMembership, PhoneNumber, Role, User, Web3Wallet
from locum.db.row_counts import instance_row_count
from locum.db.text_search import contains, full_name
from locum.kit.identifiers import email_lookup_key, normalize_phone, normalize_web3_wallet
from locum.resources.organization_memberships.schemas import MembershipListQuery
from locum.resources.organizations.repository import ROLE_WITH_PERMISSIONS, MembershipRepository

MAX_FILTER_VALUES = 100
DEFAULT_ORDER = "-created_at"


def _primary(model: Any, column: Any, primary_id: Any) -> Any:
    return select(column).where(model.instance_id == User.instance_id, model.id == primary_id).scalar_subquery()


ORDER_COLUMNS: dict[str, Any] = {
    "created_at": OrganizationMembership.created_at,
    "first_name": User.first_name,
    "last_name": User.last_name,
    "username": User.username_normalized,
    "email_address": _primary(EmailAddress, EmailAddress.email_address_normalized, User.primary_email_address_id),
    "phone_number": _primary(PhoneNumber, PhoneNumber.phone_number, User.primary_phone_number_id),
}


class MembershipListRepository(MembershipRepository):
    """The memberships API's lists: filters over the members' users, pages, the page's users."""

    def _user_owns(self, model: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return User.id.in_(select(model.user_id).where(self.scope(model), condition))

    def _matches_query(self, text: str) -> ColumnElement[bool]:
        return or_(
            contains(User.id, text),
            contains(User.username, text),
            contains(User.first_name, text),
            contains(User.last_name, text),
            self._user_owns(EmailAddress, contains(EmailAddress.email_address, text)),
            self._user_owns(PhoneNumber, contains(PhoneNumber.phone_number, text)),
            self._user_owns(Web3Wallet, contains(Web3Wallet.web3_wallet, text)),
        )

    def filter_conditions(self, filters: MembershipListQuery) -> list[ColumnElement[bool]]:
        """SQL for the filters the request uses, over memberships joined with their users."""
        check_filter_sizes(filters, MAX_FILTER_VALUES)
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
            conditions.append(self._user_owns(EmailAddress, EmailAddress.email_address_normalized.in_(keys)))
        if filters.phone_number:
            numbers = [normalize_phone(v) or v for v in filters.phone_number]
            conditions.append(self._user_owns(PhoneNumber, PhoneNumber.phone_number.in_(numbers)))
        if filters.web3_wallet:
            wallets = [normalize_web3_wallet(v) or v for v in filters.web3_wallet]
            conditions.append(self._user_owns(Web3Wallet, Web3Wallet.web3_wallet_normalized.in_(wallets)))
        if filters.username:
            conditions.append(User.username_normalized.in_([v.lower() for v in filters.username]))
        if filters.role:
            role_ids = select(Role.id).where(self.scope(Role), Role.key.in_(filters.role))
            conditions.append(OrganizationMembership.role_id.in_(role_ids))
        if filters.query:
            conditions.append(self._matches_query(filters.query))
        if filters.email_address_query:
            text = filters.email_address_query
            conditions.append(self._user_owns(EmailAddress, contains(EmailAddress.email_address, text)))
        if filters.phone_number_query:
            text = filters.phone_number_query
            conditions.append(self._user_owns(PhoneNumber, contains(PhoneNumber.phone_number, text)))
        if filters.username_query:
            conditions.append(contains(User.username, filters.username_query))
        if filters.name_query:
            conditions.append(contains(full_name(User.first_name, User.last_name), filters.name_query))
        if filters.last_active_at_before is not None:
            conditions.append(User.last_active_at < filters.last_active_at_before)
        if filters.last_active_at_after is not None:
            conditions.append(User.last_active_at > filters.last_active_at_after)
        if filters.created_at_before is not None:
            conditions.append(User.created_at < filters.created_at_before)
        if filters.created_at_after is not None:
            conditions.append(User.created_at > filters.created_at_after)
        return conditions

    async def page(
        self, conditions: list[ColumnElement[bool]], *, ordering: Ordering, page: PageQuery
    ) -> Page[OrganizationMembership]:
        """A page of the instance's memberships matching `conditions` (over memberships joined with
        their users), roles and permissions loaded, and how many match in all."""
        column = ORDER_COLUMNS[ordering.field]
        statement = self.select().where(*conditions).options(ROLE_WITH_PERMISSIONS)
        # Every membership has its user: the join is only for conditions or an order that read the
        # user, so that counting an instance's memberships does not look up each one's user.
        clauses = [*conditions, column.expression]
        if any(User.__table__ in find_tables(clause, check_columns=True) for clause in clauses):
            statement = statement.join(User, (User.id == OrganizationMembership.user_id) & self.scope(User))
        count = None if conditions else instance_row_count("organization_memberships", self.instance_id)
        return await page_of(
            self.session, statement, page, ordering=ordering, column=column, id_column=self.model.id, count=count
        )

    async def users_by_id(self, user_ids: set[str]) -> dict[str, User]:
        """The members' users, with the email addresses their public data shows."""
        users = await self.session.scalars(
            select(User).where(self.scope(User), User.id.in_(user_ids)).options(selectinload(User.email_addresses))
        )
        return {user.id: user for user in users}
