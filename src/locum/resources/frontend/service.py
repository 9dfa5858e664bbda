"""Signing in as Clerk's Frontend API would, and the credentials a browser holds afterwards.

A sign-in leaves a browser with three things: the `__session` cookie (a session token), the
`__refresh` cookie (the session's refresh token) and the `__client` cookie (the client token).
locum hands them out as JSON, so that an app under test can refresh sessions
(POST /v1/sessions/{id}/refresh) and verify clients (POST /v1/clients/verify) like Clerk's SDKs do.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import ActorToken, Client, Session, SignInToken
from locum.instances.registry import InstanceContext
from locum.kit.clock import now_ms
from locum.kit.sealing import Sealer
from locum.resources.clients.service import client_json, get_client
from locum.resources.clients.tokens import client_token
from locum.resources.frontend import tickets
from locum.resources.sessions.lifetimes import ACTIVE_STATUSES, status_of
from locum.resources.sessions.serializers import session_json
from locum.resources.sessions.service import find_session, start_session
from locum.resources.sessions.tokens import mint_session_token_within, session_not_active

# Clerk's name for signing in with a sign-in or actor token (`last_authentication_strategy`).
TICKET_STRATEGY = "ticket"


async def _credentials(
    db: AsyncSession,
    sealer: Sealer,
    instance: InstanceContext,
    *,
    session: Session,
    client: Client,
    client_document: dict[str, Any],
    now: int,
) -> dict[str, Any]:
    return {
        "object": "locum_sign_in",
        "session": session_json(session, now),
        "client": client_document,
        "session_token": await mint_session_token_within(db, instance, session_id=session.id, now=now),
        "refresh_token": sealer.unseal(session.sealed_refresh_token),
        "client_token": client_token(instance, sealer, client),
    }


async def _signed_in(db: AsyncSession, sealer: Sealer, instance: InstanceContext, session: Session) -> dict[str, Any]:
    client = await db.get_one(Client, session.client_id)
    now = now_ms()
    client_document = client_json(client, [session], now)
    return await _credentials(
        db, sealer, instance, session=session, client=client, client_document=client_document, now=now
    )


async def sign_in_with_sign_in_token(
    db: AsyncSession, sealer: Sealer, instance: InstanceContext, *, secret: str, browser_origin: str | None, origin: str
) -> dict[str, Any]:
    sign_in_token = await tickets.claim(db, SignInToken, instance_id=instance.id, secret=secret, now=now_ms())
    session = await start_session(
        db,
        sealer,
        instance_id=instance.id,
        user_id=sign_in_token.user_id,
        active_organization_id=sign_in_token.organization_id,
        origin=origin,
        browser_origin=browser_origin,
        authentication_strategy=TICKET_STRATEGY,
    )
    return await _signed_in(db, sealer, instance, session)


async def sign_in_with_actor_token(
    db: AsyncSession, sealer: Sealer, instance: InstanceContext, *, secret: str, browser_origin: str | None, origin: str
) -> dict[str, Any]:
    """An impersonation session: the actor lands in the session (and its tokens' `act` claim), and
    the session lasts no longer than the token's session_max_duration_in_seconds."""
    actor_token = await tickets.claim(db, ActorToken, instance_id=instance.id, secret=secret, now=now_ms())
    session = await start_session(
        db,
        sealer,
        instance_id=instance.id,
        user_id=actor_token.user_id,
        actor=actor_token.actor,
        origin=origin,
        browser_origin=browser_origin,
        max_duration_seconds=actor_token.session_max_duration_seconds,
        authentication_strategy=TICKET_STRATEGY,
    )
    return await _signed_in(db, sealer, instance, session)


async def session_credentials(
    db: AsyncSession, sealer: Sealer, instance: InstanceContext, *, session_id: str
) -> dict[str, Any]:
    """The credentials of an existing active session (e.g. one made by BAPI's POST /sessions): a new
    session token, and the session's refresh and client tokens as they are."""
    session = await find_session(db, instance_id=instance.id, session_id=session_id)
    now = now_ms()
    if status_of(session, now) not in ACTIVE_STATUSES:
        raise session_not_active(session_id)
    client_document = await get_client(db, instance_id=instance.id, client_id=session.client_id)
    client = await db.get_one(Client, session.client_id)
    return await _credentials(
        db, sealer, instance, session=session, client=client, client_document=client_document, now=now
    )
