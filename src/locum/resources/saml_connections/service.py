"""The deprecated SAML Connections API: another view of SAML-provider enterprise connections.

A SAML connection is the `saml_connections` row of an enterprise connection; creating one creates
its enterprise connection (`enterprise_connection_id` in the answer), deleting one deletes both.
The rules (domains, metadata, activation) are the enterprise connections' own.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_missing
from locum.api.ordering import parse_order_by
from locum.api.pagination import list_body
from locum.db.locking import locked, locked_for_delete
from locum.db.models import EnterpriseConnection
from locum.instances.context import RequestContext
from locum.kit.json_types import JSON
from locum.kit.sealing import Sealer
from locum.resources.enterprise_connections.configuration import given, resolve_saml_settings
from locum.resources.enterprise_connections.repository import EnterpriseConnectionRepository
from locum.resources.enterprise_connections.serializers import deleted_json, saml_connection_json
from locum.resources.enterprise_connections.service import create_connection, delete_connection, update_connection
from locum.resources.saml_connections.schemas import (
    SAML_SETTINGS,
    CreateSAMLConnectionBody,
    SAMLConnectionListQuery,
    UpdateSAMLConnectionBody,
)

ORDER_COLUMNS = {
    "created_at": EnterpriseConnection.created_at,
    "updated_at": EnterpriseConnection.updated_at,
    "name": EnterpriseConnection.name,
}
DEFAULT_ORDER = "-created_at"
# CreateSAMLConnection and UpdateSAMLConnection both declare 409 for a conflict.
CONFLICT_STATUS = 409


def _domains(domain: str | None, domains: list[str] | None) -> list[str] | None:
    """`domains`, with the deprecated single `domain` first when both are given."""
    if domain is None:
        return domains
    return [domain, *(domains or [])]


def _settings(body: CreateSAMLConnectionBody | UpdateSAMLConnectionBody) -> dict[str, Any]:
    fields = given(body)
    return {name: fields[name] for name in SAML_SETTINGS if name in fields}


async def _json(session: AsyncSession, ctx: RequestContext, connection: EnterpriseConnection) -> JSON:
    counts = await EnterpriseConnectionRepository(session, ctx.instance_id).user_counts([connection.id])
    return saml_connection_json(connection, ctx.instance.frontend_api_host, counts[connection.id])


async def list_saml_connections(session: AsyncSession, ctx: RequestContext, *, query: SAMLConnectionListQuery) -> JSON:
    ordering = parse_order_by(query.order_by, ORDER_COLUMNS, DEFAULT_ORDER)
    repository = EnterpriseConnectionRepository(session, ctx.instance_id)
    statement = repository.listed_saml(query=query.query, organization_ids=query.organization_id)
    page = await repository.page(statement, query, ordering, ORDER_COLUMNS[ordering.field])
    counts = await repository.user_counts([row.id for row in page.items])
    host = ctx.instance.frontend_api_host
    return list_body([saml_connection_json(row, host, counts[row.id]) for row in page.items], page.total_count)


async def create_saml_connection(
    session: AsyncSession, ctx: RequestContext, sealer: Sealer, *, body: CreateSAMLConnectionBody
) -> JSON:
    domains = _domains(body.domain, body.domains)
    if not domains:
        raise form_param_missing("domains")
    saml = await resolve_saml_settings(_settings(body))
    connection = await create_connection(
        session,
        ctx,
        sealer,
        name=body.name,
        provider=body.provider,
        domains=domains,
        organization_id=body.organization_id,
        active=False,
        flags={},
        saml=saml,
        oidc=None,
        custom_attributes=[],
    )
    return await _json(session, ctx, connection)


async def get_saml_connection(session: AsyncSession, ctx: RequestContext, *, saml_connection_id: str) -> JSON:
    connection = await EnterpriseConnectionRepository(session, ctx.instance_id).get_by_saml_id(saml_connection_id)
    return await _json(session, ctx, connection)


async def update_saml_connection(
    session: AsyncSession,
    ctx: RequestContext,
    sealer: Sealer,
    *,
    saml_connection_id: str,
    body: UpdateSAMLConnectionBody,
) -> JSON:
    saml = await resolve_saml_settings(_settings(body))
    if body.name is not None:
        saml["name"] = body.name
    connection = await EnterpriseConnectionRepository(session, ctx.instance_id).get_by_saml_id(
        saml_connection_id, lock=locked
    )
    await update_connection(
        session,
        ctx,
        sealer,
        connection,
        fields=given(body),
        domains=_domains(body.domain, body.domains),
        saml=saml,
        oidc=None,
        conflict_status=CONFLICT_STATUS,
        consent_verified_domains_deletion=bool(body.consent_verified_domains_deletion),
    )
    return await _json(session, ctx, connection)


async def delete_saml_connection(session: AsyncSession, ctx: RequestContext, *, saml_connection_id: str) -> JSON:
    connection = await EnterpriseConnectionRepository(session, ctx.instance_id).get_by_saml_id(
        saml_connection_id, lock=locked_for_delete
    )
    await delete_connection(session, ctx, connection)
    return deleted_json("saml_connection", saml_connection_id)
