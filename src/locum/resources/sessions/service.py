"""Session life cycle: creation (with its client), revocation, activity, and the user-wide endings."""

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import ClerkError, form_param_value_invalid, not_found
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import Client, Instance, OrganizationMembership, Session
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.kit.sealing import Sealer
from locum.resources.sessions.endings import end_session, record_session_event
from locum.resources.sessions.lifetimes import LifetimeSettings, deadlines
from locum.resources.users.repository import UserRepository
from locum.resources.users.service import record_sign_in

ROTATING_TOKEN_BYTES = 24
REFRESH_TOKEN_BYTES = 32


def user_banned() -> ClerkError:
    return ClerkError(403, "user_banned", "User is banned", "This user is banned and cannot sign in.")


def request_invalid_for_environment() -> ClerkError:
    return ClerkError(
        400,
        "request_invalid_for_environment",
        "Request not valid for this environment",
        "Sessions can only be created directly on development instances; use sign-in tokens in production.",
    )


def new_client(db: AsyncSession, sealer: Sealer, *, instance_id: str, now: int) -> Client:
    client = Client(
        id=new_id("client"),
        instance_id=instance_id,
        sealed_rotating_token=sealer.seal(secrets.token_urlsafe(ROTATING_TOKEN_BYTES)),
        created_at=now,
        updated_at=now,
    )
    db.add(client)
    return client


async def start_session(
    db: AsyncSession,
    sealer: Sealer,
    *,
    instance_id: str,
    user_id: str,
    active_organization_id: str | None = None,
    actor: dict[str, Any] | None = None,
    origin: str,
    browser_origin: str | None = None,
    max_duration_seconds: int | None = None,
    authentication_strategy: str | None = None,
) -> Session:
    """A new active session on a new client: what a completed sign-in leaves behind.

    `origin` is locum's own (for the user JSON in the event); `browser_origin` is the app's, which
    becomes the session tokens' `azp`.
    """
    user = await UserRepository(db, instance_id).get_or_raise(user_id, lock=locked)
    if user.banned:
        raise user_banned()
    if active_organization_id is not None:
        member = await db.scalar(
            select(OrganizationMembership.id).where(
                OrganizationMembership.instance_id == instance_id,
                OrganizationMembership.organization_id == active_organization_id,
                OrganizationMembership.user_id == user_id,
            )
        )
        if member is None:
            raise form_param_value_invalid("active_organization_id", "The user is not a member of this organization.")
    instance = await db.get_one(Instance, instance_id)
    now = now_ms()
    client = new_client(db, sealer, instance_id=instance_id, now=now)
    expire_at, abandon_at = deadlines(
        LifetimeSettings.of(instance), created_at=now, last_active_at=now, max_duration_seconds=max_duration_seconds
    )
    session = Session(
        id=new_id("session"),
        instance_id=instance_id,
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
    db.add(session)
    client.last_active_session_id = session.id
    client.last_authentication_strategy = authentication_strategy
    await flush(db)
    await record_sign_in(db, user, at_ms=now)
    await record_session_event(db, "session.created", session, now, origin=origin)
    return session


async def create_session(
    db: AsyncSession,
    sealer: Sealer,
    *,
    instance_id: str,
    environment_type: str,
    user_id: str,
    active_organization_id: str | None,
    origin: str,
) -> Session:
    """BAPI's POST /sessions: testing only, so development instances only (as Clerk)."""
    if environment_type != "development":
        raise request_invalid_for_environment()
    return await start_session(
        db,
        sealer,
        instance_id=instance_id,
        user_id=user_id,
        active_organization_id=active_organization_id,
        origin=origin,
    )


async def find_session(db: AsyncSession, *, instance_id: str, session_id: str, for_update: bool = False) -> Session:
    statement = select(Session).where(Session.instance_id == instance_id, Session.id == session_id)
    session = await db.scalar(locked(statement) if for_update else statement)
    if session is None:
        raise not_found("session")
    return session


async def revoke_session(db: AsyncSession, *, instance_id: str, session_id: str, origin: str) -> Session:
    session = await find_session(db, instance_id=instance_id, session_id=session_id, for_update=True)
    now = now_ms()
    if end_session(session, "revoked", now):
        await flush(db)
        await record_session_event(db, "session.revoked", session, now, origin=origin)
    return session


async def touch_session(db: AsyncSession, session: Session, *, origin: str | None = None) -> None:
    """Activity (a refresh) moves the inactivity deadline; the maximum lifetime stays put."""
    instance = await db.get_one(Instance, session.instance_id)
    now = now_ms()
    settings = LifetimeSettings.of(instance)
    if settings.inactivity_timeout_seconds is not None:
        session.abandon_at = now + settings.inactivity_timeout_seconds * 1000
        if settings.max_lifetime_seconds is None and session.actor is None:
            session.expire_at = session.abandon_at
    session.last_active_at = now
    session.updated_at = now
    if origin is not None and session.origin is None:
        session.origin = origin
    await flush(db)
