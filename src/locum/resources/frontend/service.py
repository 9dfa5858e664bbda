"""Signing in as Clerk's Frontend API would, and the credentials a browser holds afterwards.

A sign-in leaves a browser with three things: the `__session` cookie (a session token), the
`__refresh` cookie (the session's refresh token) and the `__client` cookie (the client token).
locum hands them out as JSON, so that an app under test can refresh sessions
(POST /v1/sessions/{id}/refresh) and verify clients (POST /v1/clients/verify) like Clerk's SDKs do.

On a development instance a browser also holds a development browser token (`__clerk_db_jwt`),
which Clerk's Frontend API issues (POST /v1/dev_browser) before anything else: Clerk's server SDKs
(@clerk/backend's authenticateRequest) treat a cookie-authenticated request without one as signed
out (`dev-browser-missing`) and only check that it is there. `cookies` lists what a browser holds on
the app's domain after the sign-in, under the names those SDKs read, unsuffixed and suffixed by the
publishable key (see browser_cookies).
"""

import base64
import hashlib
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import ActorToken, AgentTask, Client, Session, SignInToken
from locum.instances.context import RequestContext
from locum.instances.registry import InstanceContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.keys import DEVELOPMENT
from locum.kit.sealing import Sealer
from locum.resources.clients.repository import ClientRepository
from locum.resources.clients.serializers import client_json
from locum.resources.clients.service import render_client
from locum.resources.clients.tokens import client_token
from locum.resources.frontend import tickets
from locum.resources.frontend.schemas import ConsumeTokenBody
from locum.resources.sessions.errors import session_not_active
from locum.resources.sessions.lifetimes import ACTIVE_STATUSES, status_of
from locum.resources.sessions.repository import SessionRepository
from locum.resources.sessions.serializers import session_json
from locum.resources.sessions.service import start_session
from locum.resources.sessions.tokens import mint_session_token_within

# Clerk's name for signing in with a sign-in or actor token (`last_authentication_strategy`).
TICKET_STRATEGY = "ticket"
# The `act.type` that marks a session an agent works in (Clerk's session token claims).
AGENT_ACTOR_TYPE = "agent"
# Development browser tokens: an opaque `dvb_` value (Clerk's SDKs never parse or verify it).
DEV_BROWSER_PREFIX = "dvb_"
DEV_BROWSER_TOKEN_BYTES = 24
# Clerk's cookie suffix: the first 8 characters of the URL-safe base64 SHA-1 of the publishable key.
COOKIE_SUFFIX_LENGTH = 8
SESSION_COOKIE = "__session"
CLIENT_UAT_COOKIE = "__client_uat"
DEV_BROWSER_COOKIE = "__clerk_db_jwt"
REFRESH_COOKIE = "__refresh"


def cookie_suffix(publishable_key: str) -> str:
    """@clerk/shared's getCookieSuffix."""
    digest = hashlib.sha1(publishable_key.encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode()[:COOKIE_SUFFIX_LENGTH]


def new_dev_browser_token() -> str:
    return DEV_BROWSER_PREFIX + secrets.token_urlsafe(DEV_BROWSER_TOKEN_BYTES)


def browser_cookies(
    instance: InstanceContext, *, session_token: str, refresh_token: str, client_uat: int, dev_browser_token: str | None
) -> dict[str, str]:
    """The cookies Clerk's browser SDK keeps on the app's domain: each under its plain name and its
    name suffixed by the publishable key (clerk-js writes both; the server SDKs read the suffixed one
    when it is there); the refresh token only suffixed, as @clerk/backend reads it."""
    suffix = cookie_suffix(instance.publishable_key)
    values = {SESSION_COOKIE: session_token, CLIENT_UAT_COOKIE: str(client_uat)}
    if dev_browser_token is not None:
        values[DEV_BROWSER_COOKIE] = dev_browser_token
    cookies = {**values, **{f"{name}_{suffix}": value for name, value in values.items()}}
    cookies[f"{REFRESH_COOKIE}_{suffix}"] = refresh_token
    return cookies


async def _credentials(
    session: AsyncSession,
    ctx: RequestContext,
    sealer: Sealer,
    *,
    signed_in: Session,
    client: Client,
    client_document: JSON,
    now: int,
) -> JSON:
    session_token = await mint_session_token_within(session, ctx, session_id=signed_in.id, now=now)
    refresh_token = sealer.unseal(signed_in.sealed_refresh_token)
    dev_browser_token = new_dev_browser_token() if ctx.instance.environment_type == DEVELOPMENT else None
    # `__client_uat` is the client's last change in seconds; the SDKs refuse a session token issued before it.
    client_uat = min(client.updated_at, now) // 1000
    return {
        "object": "locum_sign_in",
        "session": session_json(signed_in, now),
        "client": client_document,
        "session_token": session_token,
        "refresh_token": refresh_token,
        "client_token": client_token(ctx.instance, sealer, client),
        "dev_browser_token": dev_browser_token,
        "cookies": browser_cookies(
            ctx.instance,
            session_token=session_token,
            refresh_token=refresh_token,
            client_uat=client_uat,
            dev_browser_token=dev_browser_token,
        ),
    }


async def sign_in(
    session: AsyncSession,
    ctx: RequestContext,
    sealer: Sealer,
    *,
    browser_origin: str | None,
    user_id: str,
    active_organization_id: str | None = None,
    actor: JSON | None = None,
    max_duration_seconds: int | None = None,
) -> JSON:
    """A new session for a ticket's user (a sign-in or an invitation's sign-up), started from
    `browser_origin`, and its credentials."""
    signed_in, client = await start_session(
        session,
        ctx,
        sealer,
        user_id=user_id,
        active_organization_id=active_organization_id,
        actor=actor,
        browser_origin=browser_origin,
        max_duration_seconds=max_duration_seconds,
        authentication_strategy=TICKET_STRATEGY,
    )
    now = now_ms()
    return await _credentials(
        session,
        ctx,
        sealer,
        signed_in=signed_in,
        client=client,
        client_document=client_json(client, [signed_in], now),
        now=now,
    )


async def sign_in_with_sign_in_token(
    session: AsyncSession, ctx: RequestContext, sealer: Sealer, body: ConsumeTokenBody
) -> JSON:
    sign_in_token = await tickets.claim(
        session, SignInToken, instance_id=ctx.instance_id, secret=body.token, now=now_ms()
    )
    return await sign_in(
        session,
        ctx,
        sealer,
        browser_origin=body.origin,
        user_id=sign_in_token.user_id,
        active_organization_id=sign_in_token.organization_id,
    )


async def sign_in_with_actor_token(
    session: AsyncSession, ctx: RequestContext, sealer: Sealer, body: ConsumeTokenBody
) -> JSON:
    """An impersonation session: the actor lands in the session (and its tokens' `act` claim), and
    the session lasts no longer than the token's session_max_duration_in_seconds."""
    actor_token = await tickets.claim(session, ActorToken, instance_id=ctx.instance_id, secret=body.token, now=now_ms())
    return await sign_in(
        session,
        ctx,
        sealer,
        browser_origin=body.origin,
        user_id=actor_token.user_id,
        actor=actor_token.actor,
        max_duration_seconds=actor_token.session_max_duration_seconds,
    )


async def sign_in_with_agent_task(
    session: AsyncSession, ctx: RequestContext, sealer: Sealer, body: ConsumeTokenBody
) -> JSON:
    """An agent's session for the task's user: the agent is the session's actor (`act` {sub: agent id,
    type: "agent"}), the session lasts no longer than the task's session_max_duration_in_seconds, and
    the task's redirect_url (where Clerk's Frontend API sends the browser next) comes with the credentials."""
    agent_task = await tickets.claim(session, AgentTask, instance_id=ctx.instance_id, secret=body.token, now=now_ms())
    credentials = await sign_in(
        session,
        ctx,
        sealer,
        browser_origin=body.origin,
        user_id=agent_task.user_id,
        actor={"sub": agent_task.agent_id, "type": AGENT_ACTOR_TYPE},
        max_duration_seconds=agent_task.session_max_duration_seconds,
    )
    return {**credentials, "redirect_url": agent_task.redirect_url}


async def session_credentials(session: AsyncSession, ctx: RequestContext, sealer: Sealer, *, session_id: str) -> JSON:
    """The credentials of an existing active session (e.g. one made by BAPI's POST /sessions): a new
    session token, and the session's refresh and client tokens as they are."""
    found = await SessionRepository(session, ctx.instance_id).get_or_raise(session_id)
    now = now_ms()
    if status_of(found, now) not in ACTIVE_STATUSES:
        raise session_not_active(session_id)
    client = await ClientRepository(session, ctx.instance_id).get_or_raise(found.client_id)
    client_document = await render_client(session, ctx, client)
    return await _credentials(
        session, ctx, sealer, signed_in=found, client=client, client_document=client_document, now=now
    )
