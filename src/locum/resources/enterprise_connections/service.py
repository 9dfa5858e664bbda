"""Enterprise connection rules: create, update and delete a connection with its domains and
protocol settings, list and read them, and test runs of their configuration.

The SAML Connections operations (resources/saml_connections) are another view of the same rows
and call `create_connection` / `update_connection` / `delete_connection` here. Each of those first
resolves the SAML settings (configuration.py), which may fetch the IdP's metadata, before its first
query. A domain routes to one connection per instance: the unique constraint decides between two
concurrent claims, and the loser gets the operation's conflict status.
"""

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import list_body
from locum.db.locking import kept, locked, locked_for_delete
from locum.db.models import EnterpriseConnection
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.sealing import Sealer
from locum.resources.enterprise_connections import test_runs
from locum.resources.enterprise_connections.accounts import refresh_account_holders
from locum.resources.enterprise_connections.configuration import (
    apply_oidc,
    apply_saml,
    check_activation,
    given,
    normalized_domains,
    resolve_saml_settings,
)
from locum.resources.enterprise_connections.enrollment import release_verified_domains
from locum.resources.enterprise_connections.errors import domain_taken
from locum.resources.enterprise_connections.repository import EnterpriseConnectionRepository, TestRunRepository
from locum.resources.enterprise_connections.schemas import (
    SAML_PROVIDERS,
    CreateEnterpriseConnectionBody,
    EnterpriseConnectionListQuery,
    OidcSettingsBody,
    TestRunListQuery,
    UpdateEnterpriseConnectionBody,
)
from locum.resources.enterprise_connections.serializers import (
    deleted_json,
    enterprise_connection_json,
    test_run_json,
)

CONNECTION_FLAGS = ("sync_user_attributes", "disable_additional_identifications", "allow_organization_account_linking")
CREATE_CONFLICT_STATUS = 409


def protocol_of(provider: str) -> str:
    return "saml" if provider in SAML_PROVIDERS else "oauth"


async def _set_domains(
    repository: EnterpriseConnectionRepository, connection: EnterpriseConnection, names: list[str]
) -> None:
    """Replace the connection's domains: rows no longer listed are deleted (and flushed) before new
    ones are inserted, so a domain kept in the list never meets itself in the unique constraint."""
    keep = {row.name: row for row in connection.domain_rows if row.name in names}
    for row in list(connection.domain_rows):
        if row.name not in keep:
            connection.domain_rows.remove(row)
    await repository.session.flush()
    connection.domain_rows = [
        keep.get(name) or repository.new_domain(connection, name, position) for position, name in enumerate(names)
    ]
    for position, row in enumerate(connection.domain_rows):
        row.position = position


async def _flush_claiming_domains(session: AsyncSession, *, conflict_status: int) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise domain_taken(conflict_status) from exc


async def create_connection(
    session: AsyncSession,
    ctx: RequestContext,
    sealer: Sealer,
    *,
    name: str,
    provider: str,
    domains: list[str],
    organization_id: str | None,
    active: bool,
    flags: Mapping[str, Any],
    saml: Mapping[str, Any],
    oidc: OidcSettingsBody | None,
    custom_attributes: list[dict[str, Any]],
) -> EnterpriseConnection:
    """A new connection; `saml` holds resolved SAML values (resolve_saml_settings, already awaited)."""
    names = normalized_domains(domains)
    repository = EnterpriseConnectionRepository(session, ctx.instance_id)
    if organization_id is not None:
        await repository.keep_organization(organization_id)
    connection = repository.add(
        name=name,
        provider=provider,
        protocol=protocol_of(provider),
        active=active,
        organization_id=organization_id,
        custom_attributes=custom_attributes,
        **{flag: value for flag, value in flags.items() if value is not None},
    )
    connection.domain_rows = [repository.new_domain(connection, domain, i) for i, domain in enumerate(names)]
    if connection.protocol == "saml":
        repository.add_saml(connection, **({"name": name} | dict(saml)))
    else:
        connection.saml = None
        apply_oidc(connection, oidc, sealer)
    check_activation(connection)
    await _flush_claiming_domains(session, conflict_status=CREATE_CONFLICT_STATUS)
    return connection


async def update_connection(
    session: AsyncSession,
    ctx: RequestContext,
    sealer: Sealer,
    connection: EnterpriseConnection,
    *,
    fields: Mapping[str, Any],
    domains: list[str] | None,
    saml: Mapping[str, Any],
    oidc: OidcSettingsBody | None,
    conflict_status: int,
    consent_verified_domains_deletion: bool = True,
) -> None:
    """Apply a PATCH to a connection read with `locked`; `fields` are the connection's own columns
    given (None = unchanged), `domains` a non-empty list replaces them. Enabling it releases the
    same domains from organizations' automatic enrollment (enrollment.py)."""
    repository = EnterpriseConnectionRepository(session, ctx.instance_id)
    was_active = connection.active
    organization_id = fields.get("organization_id")
    if organization_id is not None:
        await repository.keep_organization(organization_id)
        connection.organization_id = organization_id
    for name in ("name", "active", *CONNECTION_FLAGS, "custom_attributes"):
        if fields.get(name) is not None:
            setattr(connection, name, fields[name])
    if connection.saml is not None:
        # The SAML view shows the connection's name unless it was given one of its own.
        renamed = {"name": fields["name"]} if fields.get("name") is not None else {}
        apply_saml(connection.saml, renamed | dict(saml))
    elif oidc is not None:
        apply_oidc(connection, oidc, sealer)
    if domains:
        await _set_domains(repository, connection, normalized_domains(domains))
    check_activation(connection)
    connection.updated_at = now_ms()
    await _flush_claiming_domains(session, conflict_status=conflict_status)
    await refresh_account_holders(session, ctx, await repository.account_holders(connection.id))
    if connection.active and not was_active:
        await release_verified_domains(session, ctx, connection.domains, consent=consent_verified_domains_deletion)


async def delete_connection(session: AsyncSession, ctx: RequestContext, connection: EnterpriseConnection) -> None:
    """Delete a connection read with `locked_for_delete`; its domains, SAML row, test runs and users'
    accounts go with it (ON DELETE CASCADE), and those users' documents are re-rendered without them."""
    holders = await EnterpriseConnectionRepository(session, ctx.instance_id).account_holders(connection.id)
    await session.delete(connection)
    await session.flush()
    await refresh_account_holders(session, ctx, holders)


def _custom_attributes(body: CreateEnterpriseConnectionBody | UpdateEnterpriseConnectionBody) -> Any:
    if body.custom_attributes is None:
        return None
    return [attribute.model_dump(exclude_none=True) for attribute in body.custom_attributes]


async def create_enterprise_connection(
    session: AsyncSession, ctx: RequestContext, sealer: Sealer, *, body: CreateEnterpriseConnectionBody
) -> JSON:
    is_saml = body.provider in SAML_PROVIDERS
    saml = await resolve_saml_settings(body.saml if is_saml else None)
    connection = await create_connection(
        session,
        ctx,
        sealer,
        name=body.name,
        provider=body.provider,
        domains=body.domains,
        organization_id=body.organization_id,
        active=bool(body.active),
        flags={"allow_organization_account_linking": body.allow_organization_account_linking},
        saml=saml,
        oidc=None if is_saml else body.oidc,
        custom_attributes=_custom_attributes(body) or [],
    )
    return enterprise_connection_json(connection, ctx.instance.frontend_api_host)


async def update_enterprise_connection(
    session: AsyncSession,
    ctx: RequestContext,
    sealer: Sealer,
    *,
    connection_id: str,
    body: UpdateEnterpriseConnectionBody,
) -> JSON:
    saml = await resolve_saml_settings(body.saml)
    connection = await EnterpriseConnectionRepository(session, ctx.instance_id).get_or_raise(connection_id, lock=locked)
    fields = given(body) | {"custom_attributes": _custom_attributes(body)}
    await update_connection(
        session,
        ctx,
        sealer,
        connection,
        fields=fields,
        domains=body.domains,
        saml=saml,
        oidc=body.oidc,
        conflict_status=400,
    )
    return enterprise_connection_json(connection, ctx.instance.frontend_api_host)


async def list_enterprise_connections(
    session: AsyncSession, ctx: RequestContext, *, query: EnterpriseConnectionListQuery
) -> JSON:
    repository = EnterpriseConnectionRepository(session, ctx.instance_id)
    statement = repository.listed(organization_id=query.organization_id, active=query.active)
    page = await repository.page(statement, query, NEWEST_FIRST, EnterpriseConnection.created_at)
    host = ctx.instance.frontend_api_host
    return list_body([enterprise_connection_json(row, host) for row in page.items], page.total_count)


async def get_enterprise_connection(session: AsyncSession, ctx: RequestContext, *, connection_id: str) -> JSON:
    connection = await EnterpriseConnectionRepository(session, ctx.instance_id).get_or_raise(connection_id)
    return enterprise_connection_json(connection, ctx.instance.frontend_api_host)


async def delete_enterprise_connection(session: AsyncSession, ctx: RequestContext, *, connection_id: str) -> JSON:
    connection = await EnterpriseConnectionRepository(session, ctx.instance_id).get_or_raise(
        connection_id, lock=locked_for_delete
    )
    await delete_connection(session, ctx, connection)
    return deleted_json("enterprise_connection", connection_id)


async def list_test_runs(
    session: AsyncSession, ctx: RequestContext, *, connection_id: str, query: TestRunListQuery
) -> JSON:
    await EnterpriseConnectionRepository(session, ctx.instance_id).get_or_raise(connection_id)
    page = await TestRunRepository(session, ctx.instance_id).page_for(connection_id, query.status, query)
    return list_body([test_run_json(run) for run in page.items], page.total_count)


async def create_test_run(
    reader: Reader, sessions: Callable[[], AsyncSession], ctx: RequestContext, *, connection_id: str
) -> JSON:
    """Check the configuration (the metadata fetched with no transaction open), then record the run."""
    configuration = await test_runs.read_configuration(reader, ctx, connection_id)
    outcome = await test_runs.check(configuration, ctx.instance.frontend_api_host)
    session = sessions()
    await EnterpriseConnectionRepository(session, ctx.instance_id).get_or_raise(connection_id, lock=kept)
    run = TestRunRepository(session, ctx.instance_id).add_run(
        enterprise_connection_id=connection_id,
        status=outcome.status,
        connection_type=configuration.connection_type,
        logs=outcome.logs,
        created_at=now_ms(),
    )
    await session.flush()
    return {"url": test_runs.run_url(ctx.instance.frontend_api_host, connection_id, run.id)}
