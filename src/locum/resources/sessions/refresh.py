"""POST /sessions/{id}/refresh: an expired session token plus the `__refresh` cookie give a new token.

Every refusal is a 401, so that Clerk's SDKs fall back to their handshake flow instead of failing.
"""

import hmac
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.locking import locked
from locum.instances.context import RequestContext
from locum.instances.registry import InstanceContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.jwt_signing import SESSION_TOKEN_ALGORITHM
from locum.kit.sealing import Sealer
from locum.resources.sessions.errors import refresh_refused
from locum.resources.sessions.lifetimes import ACTIVE_STATUSES, status_of
from locum.resources.sessions.repository import SessionRepository
from locum.resources.sessions.schemas import RefreshSessionBody
from locum.resources.sessions.service import touch_session
from locum.resources.sessions.tokens import mint_session_token_within, token_json


def _expired_token_claims(instance: InstanceContext, token: str) -> dict[str, Any]:
    """Claims of a session token this instance signed; its expiry is the point, so it is not checked."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = instance.signing_key(kid)
        if key is None:
            raise jwt.InvalidSignatureError("signed by no key of this instance")
        claims: dict[str, Any] = jwt.decode(
            token, key.private_key.public_key(), algorithms=[SESSION_TOKEN_ALGORITHM], options={"verify_exp": False}
        )
    except jwt.InvalidTokenError as exc:
        raise refresh_refused("expired_session_token_invalid") from exc
    return claims


def _cookie(jwt_value: str) -> str:
    return f"__session={jwt_value}; Path=/; SameSite=Lax"


async def refresh_session(
    session: AsyncSession, ctx: RequestContext, sealer: Sealer, *, session_id: str, body: RefreshSessionBody
) -> JSON:
    claims = _expired_token_claims(ctx.instance, body.expired_token)
    if not isinstance(claims.get("sid"), str):
        raise refresh_refused("expired_session_token_missing_sid")
    if claims["sid"] != session_id:
        raise refresh_refused("refresh_sid_mismatch")
    if "azp" in claims and claims["azp"] != body.request_origin:
        raise refresh_refused("refresh_request_origin_azp_mismatch")
    refreshed = await SessionRepository(session, ctx.instance_id).get(session_id, lock=locked)
    if refreshed is None:
        raise refresh_refused("session_refresh_session_not_found")
    if not hmac.compare_digest(sealer.unseal(refreshed.sealed_refresh_token), body.refresh_token):
        raise refresh_refused("refresh_token_not_found")
    now = now_ms()
    if status_of(refreshed, now) not in ACTIVE_STATUSES:
        raise refresh_refused("session_refresh_inactive_session")
    await touch_session(session, refreshed, browser_origin=body.request_origin)
    token = await mint_session_token_within(session, ctx, session_id=session_id, now=now)
    if body.format == "cookie":
        return {"object": "cookies", "cookies": [_cookie(token)]}
    return token_json(token)
