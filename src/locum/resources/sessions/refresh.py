"""POST /sessions/{id}/refresh: an expired session token plus the `__refresh` cookie give a new token.

Every refusal is a 401, so that Clerk's SDKs fall back to their handshake flow instead of failing.
"""

import hmac
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import ClerkError
from locum.instances.registry import InstanceContext
from locum.kit.clock import now_ms
from locum.kit.jwt_signing import SESSION_TOKEN_ALGORITHM
from locum.kit.sealing import Sealer
from locum.resources.sessions.lifetimes import ACTIVE_STATUSES, status_of
from locum.resources.sessions.schemas import RefreshSessionBody
from locum.resources.sessions.service import find_session, touch_session
from locum.resources.sessions.tokens import mint_session_token_within

REFUSALS = {
    "expired_session_token_invalid": "The expired session token is not a valid session token of this instance.",
    "expired_session_token_missing_sid": "The expired session token has no session id.",
    "refresh_sid_mismatch": "The expired session token belongs to another session.",
    "refresh_request_origin_azp_mismatch": "The request origin does not match the token's authorized party.",
    "session_refresh_session_not_found": "No session was found with this id.",
    "refresh_token_not_found": "The refresh token does not belong to this session.",
    "session_refresh_inactive_session": "The session is no longer active.",
}


def refused(code: str) -> ClerkError:
    return ClerkError(401, code, "Session refresh failed", REFUSALS[code])


def _expired_token_claims(instance: InstanceContext, token: str) -> dict[str, Any]:
    """Claims of a session token this instance signed; its expiry is the point, so it is not checked."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = next(k for k in instance.signing_keys if k.kid == kid)
        claims: dict[str, Any] = jwt.decode(
            token, key.private_key.public_key(), algorithms=[SESSION_TOKEN_ALGORITHM], options={"verify_exp": False}
        )
    except (jwt.InvalidTokenError, StopIteration) as exc:
        raise refused("expired_session_token_invalid") from exc
    return claims


def _cookie(jwt_value: str) -> str:
    return f"__session={jwt_value}; Path=/; SameSite=Lax"


async def refresh_session(
    db: AsyncSession, sealer: Sealer, instance: InstanceContext, *, session_id: str, body: RefreshSessionBody
) -> dict[str, Any]:
    claims = _expired_token_claims(instance, body.expired_token)
    if not isinstance(claims.get("sid"), str):
        raise refused("expired_session_token_missing_sid")
    if claims["sid"] != session_id:
        raise refused("refresh_sid_mismatch")
    if "azp" in claims and claims["azp"] != body.request_origin:
        raise refused("refresh_request_origin_azp_mismatch")
    try:
        session = await find_session(db, instance_id=instance.id, session_id=session_id, for_update=True)
    except ClerkError as exc:
        raise refused("session_refresh_session_not_found") from exc
    if not hmac.compare_digest(sealer.unseal(session.sealed_refresh_token), body.refresh_token):
        raise refused("refresh_token_not_found")
    now = now_ms()
    if status_of(session, now) not in ACTIVE_STATUSES:
        raise refused("session_refresh_inactive_session")
    await touch_session(db, session, origin=body.request_origin)
    token = await mint_session_token_within(db, instance, session_id=session_id, now=now)
    if body.format == "cookie":
        return {"object": "cookies", "cookies": [_cookie(token)]}
    return {"object": "token", "jwt": token}
