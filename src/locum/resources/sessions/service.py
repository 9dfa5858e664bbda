"""Session life cycle: creation (with its client), reading, revocation and activity."""

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_missing, form_param_value_invalid
from locum.api.pagination import ListBody, list_body
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import Client, Instance, Session
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.sealing import Sealer
from locum.resources.clients.repository import ClientRepository
from locum.resources.organizations.repository import MembershipRepository
from locum.resources.sessions.endings import end_session, record_session_event
from locum.resources.sessions.errors import user_banned
from locum.resources.sessions.lifetimes import LifetimeSettings, deadlines
from locum.resources.sessions.repository import SessionRepository
from locum.resources.sessions.schemas import CreateSessionBody, SessionListQuery
from locum.resources.sessions.serializers import session_json
from locum.resources.users.service import get_user_or_raise, record_sign_in

ROTATING_TOKEN_BYTES = 24
REFRESH_TOKEN_BYTES = 32


async def start_session(
    session: AsyncSession,
    ctx: RequestContext,
    sealer: Sealer,
    *,
    user_id: str,
    active_organization_id: str | None = None,
    actor: dict[str, Any] | None = None,
    browser_origin: str | None = None,
    max_duration_seconds: int | None = None,
    authentication_strategy: str | None = None,
) -> tuple[Session, Client]:
    """A new active session on a new client: what a completed sign-in leaves behind.

    `browser_origin` is the app's, which becomes the session tokens' `azp`.
    """
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    if user.banned:
        raise user_banned()
    if active_organization_id is not None:
        memberships = MembershipRepository(session, ctx.instance_id)
        if not await memberships.exists(organization_id=active_organization_id, user_id=user_id):
            raise form_param_value_invalid("active_organization_id", "The user is not a member of this organization.")
    instance = await session.get_one(Instance, ctx.instance_id)
    now = now_ms()
    client = ClientRepository(session, ctx.instance_id).add(
        sealed_rotating_token=sealer.seal(secrets.token_urlsafe(ROTATING_TOKEN_BYTES)), created_at=now, updated_at=now
    )
    expire_at, abandon_at = deadlines(
        LifetimeSettings.of(instance), created_at=now, last_active_at=now, max_duration_seconds=max_duration_seconds
    )
    started = SessionRepository(session, ctx.instance_id).add(
        client_id=client.id,
        user_id=user_id,
        status="active",
        actor=actor,
        last_active_organization_id=active_organization_id,
        origin=browser_origin,
        last_active_at=now,
        expire_at=expire_at,
        abandon_at=abandon_at,
        first_factor_verified_at=now,
        second_factor_verified_at=None,
        sealed_refresh_token=sealer.seal(secrets.token_urlsafe(REFRESH_TOKEN_BYTES)),
        created_at=now,
        updated_at=now,
    )
    client.last_active_session_id = started.id
    client.last_authentication_strategy = authentication_strategy
    await flush(session)
    await record_sign_in(session, user, at_ms=now)
    await record_session_event(session, ctx, "session.created", started, now)
    return started, client


async def create_session(session: AsyncSession, ctx: RequestContext, sealer: Sealer, body: CreateSessionBody) -> JSON:
    """BAPI's POST /sessions: testing only, so its route serves development instances only (as Clerk)."""
    if body.user_id is None:
        raise form_param_missing("user_id")
    started, _ = await start_session(
        session, ctx, sealer, user_id=body.user_id, active_organization_id=body.active_organization_id
    )
    return session_json(started, now_ms())


async def list_sessions(session: AsyncSession, ctx: RequestContext, query: SessionListQuery) -> ListBody:
    now = now_ms()
    rows, total_count = await SessionRepository(session, ctx.instance_id).listed(query, now=now)
    # The spec shows a bare array; with paginated=true Clerk's SDKs expect {data, total_count}.
    return list_body([session_json(row, now) for row in rows], total_count)


async def get_session(session: AsyncSession, ctx: RequestContext, *, session_id: str) -> JSON:
    found = await SessionRepository(session, ctx.instance_id).get_or_raise(session_id)
    return session_json(found, now_ms())


async def revoke_session(session: AsyncSession, ctx: RequestContext, *, session_id: str) -> JSON:
    revoked = await SessionRepository(session, ctx.instance_id).get_or_raise(session_id, lock=locked)
    now = now_ms()
    if end_session(revoked, "revoked", now):
        await flush(session)
        await record_session_event(session, ctx, "session.revoked", revoked, now)
    return session_json(revoked, now_ms())


async def touch_session(session: AsyncSession, row: Session, *, browser_origin: str | None = None) -> None:
    """Activity (a refresh) moves the inactivity deadline; the maximum lifetime stays put."""
    instance = await session.get_one(Instance, row.instance_id)
    now = now_ms()
    settings = LifetimeSettings.of(instance)
    if settings.inactivity_timeout_seconds is not None:
        row.abandon_at = now + settings.inactivity_timeout_seconds * 1000
        if settings.max_lifetime_seconds is None and row.actor is None:
            row.expire_at = row.abandon_at
    row.last_active_at = now
    row.updated_at = now
    if browser_origin is not None and row.origin is None:
        row.origin = browser_origin
    await flush(session)
