"""Clients with their sessions, as Clerk's `Client` schema has them."""

import hmac

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.pagination import ListBody, PaginatedQuery, list_body
from locum.db.models import Client, Session
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.sealing import Sealer
from locum.resources.clients.errors import client_token_invalid
from locum.resources.clients.repository import ClientRepository
from locum.resources.clients.serializers import client_json
from locum.resources.clients.tokens import read_client_token
from locum.resources.sessions.repository import SessionRepository


async def _with_sessions(session: AsyncSession, ctx: RequestContext, clients: list[Client]) -> list[JSON]:
    """One query for all the clients' sessions, not one per client."""
    by_client: dict[str, list[Session]] = {client.id: [] for client in clients}
    if clients:
        for row in await SessionRepository(session, ctx.instance_id).of_clients(by_client):
            by_client[row.client_id].append(row)
    now = now_ms()
    return [client_json(client, by_client[client.id], now) for client in clients]


async def list_clients(session: AsyncSession, ctx: RequestContext, query: PaginatedQuery) -> ListBody:
    # Deprecated in the spec but still served, newest first, as Clerk does.
    clients, total_count = await ClientRepository(session, ctx.instance_id).listed(query)
    return list_body(await _with_sessions(session, ctx, clients), total_count)


async def render_client(session: AsyncSession, ctx: RequestContext, client: Client) -> JSON:
    (rendered,) = await _with_sessions(session, ctx, [client])
    return rendered


async def get_client(session: AsyncSession, ctx: RequestContext, *, client_id: str) -> JSON:
    client = await ClientRepository(session, ctx.instance_id).get_or_raise(client_id)
    return await render_client(session, ctx, client)


async def verify_client(session: AsyncSession, ctx: RequestContext, sealer: Sealer, *, token: str) -> JSON:
    client_id, rotating_token = read_client_token(ctx.instance, token)
    client = await ClientRepository(session, ctx.instance_id).get_or_raise(client_id)
    if not hmac.compare_digest(sealer.unseal(client.sealed_rotating_token), rotating_token):
        raise client_token_invalid()
    return await render_client(session, ctx, client)
