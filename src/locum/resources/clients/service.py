"""Clients with their sessions, as Clerk's `Client` schema has them."""

import hmac
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import not_found
from locum.db.models import Client, Session
from locum.instances.registry import InstanceContext
from locum.kit.clock import now_ms
from locum.kit.sealing import Sealer
from locum.resources.clients.tokens import client_token_invalid, read_client_token
from locum.resources.sessions.serializers import session_json


def client_json(client: Client, sessions: list[Session], now: int) -> dict[str, Any]:
    return {
        "object": "client",
        "id": client.id,
        "session_ids": [session.id for session in sessions],
        "sessions": [session_json(session, now) for session in sessions],
        "sign_in_id": None,
        "sign_up_id": None,
        "last_active_session_id": client.last_active_session_id,
        "last_authentication_strategy": client.last_authentication_strategy,
        "updated_at": client.updated_at,
        "created_at": client.created_at,
    }


async def _with_sessions(db: AsyncSession, clients: list[Client]) -> list[dict[str, Any]]:
    """One query for all the clients' sessions, not one per client."""
    by_client: dict[str, list[Session]] = {client.id: [] for client in clients}
    if clients:
        rows = await db.scalars(
            select(Session).where(Session.client_id.in_(by_client)).order_by(Session.created_at, Session.id)
        )
        for session in rows.all():
            by_client[session.client_id].append(session)
    now = now_ms()
    return [client_json(client, by_client[client.id], now) for client in clients]


async def list_clients(db: AsyncSession, *, instance_id: str, limit: int, offset: int) -> list[dict[str, Any]]:
    clients = await db.scalars(
        select(Client)
        .where(Client.instance_id == instance_id)
        .order_by(Client.created_at.desc(), Client.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return await _with_sessions(db, list(clients.all()))


async def count_clients(db: AsyncSession, *, instance_id: str) -> int:
    return int(await db.scalar(select(func.count()).select_from(Client).where(Client.instance_id == instance_id)) or 0)


async def get_client(db: AsyncSession, *, instance_id: str, client_id: str) -> dict[str, Any]:
    client = await db.scalar(select(Client).where(Client.instance_id == instance_id, Client.id == client_id))
    if client is None:
        raise not_found("client")
    (rendered,) = await _with_sessions(db, [client])
    return rendered


async def verify_client(db: AsyncSession, sealer: Sealer, instance: InstanceContext, token: str) -> dict[str, Any]:
    client_id, rotating_token = read_client_token(instance, token)
    client = await db.scalar(select(Client).where(Client.instance_id == instance.id, Client.id == client_id))
    if client is None:
        raise not_found("client")
    if not hmac.compare_digest(sealer.unseal(client.sealed_rotating_token), rotating_token):
        raise client_token_invalid()
    (rendered,) = await _with_sessions(db, [client])
    return rendered
