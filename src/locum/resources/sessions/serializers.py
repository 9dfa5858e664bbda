"""Session JSON exactly as Clerk's `Session` schema has it."""

from typing import Any

from locum.db.models import Session
from locum.kit.json_types import columns
from locum.resources.sessions.lifetimes import status_of


def session_json(session: Session, now: int) -> dict[str, Any]:
    return {
        "object": "session",
        **columns(session, "id", "user_id", "client_id", "actor"),
        "status": status_of(session, now),
        "last_active_organization_id": session.last_active_organization_id,
        "last_active_at": session.last_active_at,
        "latest_activity": None,
        "expire_at": session.expire_at,
        "abandon_at": session.abandon_at,
        "tasks": None,
        "updated_at": session.updated_at,
        "created_at": session.created_at,
    }
