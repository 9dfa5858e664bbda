"""Clients as Clerk's `Client` schema has them, with their sessions."""

from locum.db.models import Client, Session
from locum.kit.json_types import JSON, columns
from locum.resources.sessions.serializers import session_json


def client_json(client: Client, sessions: list[Session], now: int) -> JSON:
    return {
        "object": "client",
        "id": client.id,
        "session_ids": [session.id for session in sessions],
        "sessions": [session_json(session, now) for session in sessions],
        "sign_in_id": None,
        "sign_up_id": None,
        **columns(client, "last_active_session_id", "last_authentication_strategy", "updated_at", "created_at"),
    }
