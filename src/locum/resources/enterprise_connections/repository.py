"""Enterprise connection queries: connections with their domains and SAML settings, the SAML view
by its own id, user counts, test runs, users' accounts, and the configuration a test run reads
(on the bare driver, so no transaction is open while the IdP's metadata is fetched)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import selectinload

from locum.api.ordering import NEWEST_FIRST, Ordering
from locum.api.pagination import Page, PageQuery, page_of
from locum.api.query import split_signed
from locum.db.locking import kept
from locum.db.models import (
    EnterpriseAccount,
    EnterpriseConnection,
    EnterpriseConnectionDomain,
    EnterpriseConnectionTestRun,
    Organization,
    SamlConnection,
    User,
)
from locum.db.reads import Reader, Row
from locum.db.repository import InstanceRepository, Lock
from locum.db.text_search import contains
from locum.kit.ids import new_id
from locum.resources.enterprise_connections.errors import (
    enterprise_connection_not_found,
    organization_not_found,
    saml_connection_not_found,
    user_not_found,
)

CONNECTION_GRAPH = (selectinload(EnterpriseConnection.domain_rows), selectinload(EnterpriseConnection.saml))


class EnterpriseConnectionRepository(InstanceRepository[EnterpriseConnection]):
    model = EnterpriseConnection
    id_kind = "enterprise_connection"

    def not_found(self, id: str) -> Exception:
        return enterprise_connection_not_found()

    async def get(self, id: str, *, lock: Lock | None = None) -> EnterpriseConnection | None:
        statement = self.select().where(EnterpriseConnection.id == id).options(*CONNECTION_GRAPH)
        row: EnterpriseConnection | None = await self.session.scalar(lock(statement) if lock else statement)
        return row

    async def get_by_saml_id(self, saml_connection_id: str, *, lock: Lock | None = None) -> EnterpriseConnection:
        """The connection whose SAML row is `saml_connection_id` (the deprecated API's ids), or 404."""
        statement = (
            self.select()
            .join(SamlConnection, SamlConnection.enterprise_connection_id == EnterpriseConnection.id)
            .where(SamlConnection.instance_id == self.instance_id, SamlConnection.id == saml_connection_id)
            .options(*CONNECTION_GRAPH)
        )
        row: EnterpriseConnection | None = await self.session.scalar(lock(statement) if lock else statement)
        if row is None:
            raise saml_connection_not_found()
        return row

    async def page(self, statement: Select[Any], page: PageQuery, ordering: Ordering, column: Any) -> Page[Any]:
        return await page_of(
            self.session,
            statement.options(*CONNECTION_GRAPH),
            page,
            ordering=ordering,
            column=column,
            id_column=EnterpriseConnection.id,
        )

    def listed(self, *, organization_id: str | None, active: bool | None) -> Select[Any]:
        statement = self.select()
        if organization_id is not None:
            statement = statement.where(EnterpriseConnection.organization_id == organization_id)
        if active is not None:
            statement = statement.where(EnterpriseConnection.active == active)
        return statement

    def listed_saml(self, *, query: str | None, organization_ids: Sequence[str]) -> Select[Any]:
        """SAML-provider connections, by a name fragment and +/- organization ids."""
        statement = self.select().where(EnterpriseConnection.protocol == "saml")
        if query:
            statement = statement.where(contains(EnterpriseConnection.name, query))
        include, exclude = split_signed(organization_ids)
        if include:
            statement = statement.where(EnterpriseConnection.organization_id.in_(include))
        if exclude:
            statement = statement.where(
                EnterpriseConnection.organization_id.is_(None) | EnterpriseConnection.organization_id.not_in(exclude)
            )
        return statement

    async def user_counts(self, connection_ids: Sequence[str]) -> dict[str, int]:
        """How many users hold an account on each connection (one query for a page)."""
        if not connection_ids:
            return {}
        statement = (
            select(EnterpriseAccount.enterprise_connection_id, func.count())
            .where(
                EnterpriseAccount.instance_id == self.instance_id,
                EnterpriseAccount.enterprise_connection_id.in_(connection_ids),
            )
            .group_by(EnterpriseAccount.enterprise_connection_id)
        )
        counts = {id: 0 for id in connection_ids}
        counts.update({id: int(count) for id, count in (await self.session.execute(statement)).tuples()})
        return counts

    async def keep_organization(self, organization_id: str) -> None:
        """The organization exists in this instance, kept from deletion until commit; else 404."""
        statement = select(Organization.id).where(
            Organization.instance_id == self.instance_id, Organization.id == organization_id
        )
        if await self.session.scalar(kept(statement)) is None:
            raise organization_not_found()

    def add_saml(self, connection: EnterpriseConnection, **values: Any) -> SamlConnection:
        saml = SamlConnection(
            id=new_id("saml_connection"),
            instance_id=self.instance_id,
            enterprise_connection_id=connection.id,
            created_at=connection.created_at,
            updated_at=connection.updated_at,
            **values,
        )
        connection.saml = saml
        return saml

    def new_domain(self, connection: EnterpriseConnection, name: str, position: int) -> EnterpriseConnectionDomain:
        return EnterpriseConnectionDomain(
            id=new_id("enterprise_connection_domain"),
            instance_id=self.instance_id,
            enterprise_connection_id=connection.id,
            name=name,
            position=position,
        )

    async def account_holders(self, connection_id: str) -> list[str]:
        """Ids of the users with an account on the connection."""
        statement = select(EnterpriseAccount.user_id).where(
            EnterpriseAccount.instance_id == self.instance_id,
            EnterpriseAccount.enterprise_connection_id == connection_id,
        )
        return list(await self.session.scalars(statement))


class TestRunRepository(InstanceRepository[EnterpriseConnectionTestRun]):
    model = EnterpriseConnectionTestRun
    id_kind = "enterprise_connection_test_run"

    def not_found(self, id: str) -> Exception:
        return enterprise_connection_not_found()

    def add_run(self, **values: Any) -> EnterpriseConnectionTestRun:
        run = EnterpriseConnectionTestRun(id=new_id(self.id_kind), instance_id=self.instance_id, **values)
        self.session.add(run)
        return run

    async def page_for(self, connection_id: str, statuses: Sequence[str], page: PageQuery) -> Page[Any]:
        statement = self.select().where(EnterpriseConnectionTestRun.enterprise_connection_id == connection_id)
        if statuses:
            statement = statement.where(EnterpriseConnectionTestRun.status.in_(statuses))
        return await page_of(
            self.session,
            statement,
            page,
            ordering=NEWEST_FIRST,
            column=EnterpriseConnectionTestRun.created_at,
            id_column=EnterpriseConnectionTestRun.id,
        )


class EnterpriseAccountRepository(InstanceRepository[EnterpriseAccount]):
    model = EnterpriseAccount
    id_kind = "enterprise_account"

    def not_found(self, id: str) -> Exception:
        return user_not_found()

    async def require_user(self, user_id: str) -> None:
        statement = select(User.id).where(User.instance_id == self.instance_id, User.id == user_id)
        if await self.session.scalar(statement) is None:
            raise user_not_found()


# The configuration a test run checks: (protocol, provider, idp_metadata_url, idp_entity_id, idp_sso_url,
# idp_certificate, saml id, oidc_client_id, oidc_discovery_url, oidc_auth_url, oidc_token_url)
TEST_RUN_CONFIGURATION = (
    select(
        EnterpriseConnection.protocol,
        EnterpriseConnection.provider,
        SamlConnection.idp_metadata_url,
        SamlConnection.idp_entity_id,
        SamlConnection.idp_sso_url,
        SamlConnection.idp_certificate,
        SamlConnection.id,
        EnterpriseConnection.oidc_client_id,
        EnterpriseConnection.oidc_discovery_url,
        EnterpriseConnection.oidc_auth_url,
        EnterpriseConnection.oidc_token_url,
    )
    .outerjoin(
        SamlConnection,
        (SamlConnection.enterprise_connection_id == EnterpriseConnection.id)
        & (SamlConnection.instance_id == EnterpriseConnection.instance_id),
    )
    .where(
        EnterpriseConnection.instance_id == bindparam("instance_id"),
        EnterpriseConnection.id == bindparam("connection_id"),
    )
)


async def read_test_run_configuration(reader: Reader, *, instance_id: str, connection_id: str) -> Row:
    rows = await reader.fetch_by_key(
        reader.prepared(TEST_RUN_CONFIGURATION), {"instance_id": instance_id, "connection_id": connection_id}
    )
    if not rows:
        raise enterprise_connection_not_found()
    return rows[0]
