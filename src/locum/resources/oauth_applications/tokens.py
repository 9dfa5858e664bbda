"""OAuth access tokens: issued (locum's stand-in for Clerk's authorization server), verified and revoked.

Two formats, as Clerk's authorization server has them:

    opaque  `oat_…` and a refresh token, stored as their digests in one grant row; verify looks the
            digest up (404 `token_revoked`/`token_expired` once it is either), and revoking either
            token revokes the grant.
    jwt     RS256 with the instance's signing key, header `typ: at+jwt` (which Clerk's SDKs route to
            OAuth verification), claims iss, sub, client_id, scope, jti (an `oat_` id), iat, nbf,
            exp. Never stored, so never revoked; verify checks the signature and that the
            application still exists, and answers `{active: false}` once it has expired.

A verify is a read on the bare driver; issuing and revoking go through the request's session.
"""

from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import ClerkError, form_param_missing, token_expired, token_revoked
from locum.db.constraints import flush
from locum.db.locking import kept
from locum.db.models import OAuthAccessToken
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.instances.registry import InstanceContext
from locum.kit.clock import now_ms
from locum.kit.ids import new_hex_id
from locum.kit.json_types import JSON
from locum.kit.jwt_signing import SESSION_TOKEN_ALGORITHM
from locum.kit.keys import digests_match, new_opaque_secret, secret_digest
from locum.resources.oauth_applications.errors import (
    access_token_not_found,
    jwt_access_token_not_revocable,
    scope_not_granted,
    user_not_found,
)
from locum.resources.oauth_applications.repository import AccessTokenReads, OAuthApplicationRepository
from locum.resources.oauth_applications.schemas import IssueOAuthAccessTokenBody, scope_list
from locum.resources.oauth_applications.serializers import (
    MS_PER_SECOND,
    access_token_json,
    inactive_access_token_json,
    issued_access_token_json,
    jwt_access_token_json,
)
from locum.resources.users.repository import UserRepository

ACCESS_TOKEN_PREFIX = "oat"
# Clerk's refresh tokens have no documented format; a prefix of its own keeps SDKs from taking one
# for an access token.
REFRESH_TOKEN_PREFIX = "oart"
JWT_ACCESS_TOKEN_TYPE = "at+jwt"
# RFC 9068's `typ`, in either spelling Clerk's JS SDK accepts.
JWT_ACCESS_TOKEN_TYPES = (JWT_ACCESS_TOKEN_TYPE, "application/at+jwt")
JWT_STRING_CLAIMS = ("sub", "client_id", "scope", "jti")
JWT_TIME_CLAIMS = ("iat", "nbf", "exp")
JWT_SEGMENTS = 3


def _is_jwt(token: str) -> bool:
    return token.count(".") == JWT_SEGMENTS - 1


# -- issuing ------------------------------------------------------------------------------------


def _granted_scopes(requested: list[str] | str | None, application_scopes: str) -> list[str]:
    allowed = scope_list(application_scopes)
    if requested is None:
        return allowed
    scopes = scope_list(requested) if isinstance(requested, str) else list(dict.fromkeys(requested))
    refused = next((scope for scope in scopes if scope not in allowed), None)
    if refused is not None:
        raise scope_not_granted(refused)
    return scopes


def _signed_access_token(
    instance: InstanceContext, *, user_id: str, client_id: str, scopes: list[str], lifetime_seconds: int, now: int
) -> str:
    key = instance.active_signing_key
    issued_at = now // MS_PER_SECOND
    claims = {
        "iss": instance.frontend_api_url,
        "sub": user_id,
        "client_id": client_id,
        "scope": " ".join(scopes),
        "jti": new_hex_id("oauth_access_token"),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + lifetime_seconds,
    }
    return jwt.encode(
        claims,
        key.private_key,
        algorithm=SESSION_TOKEN_ALGORITHM,
        headers={"kid": key.kid, "typ": JWT_ACCESS_TOKEN_TYPE},
    )


async def issue_access_token(
    session: AsyncSession, ctx: RequestContext, *, application_id: str, body: IssueOAuthAccessTokenBody
) -> JSON:
    """An access token the user granted the application, as its token endpoint would answer."""
    # Kept until commit (db/locking.py): the grant must not outlive an application or user deleted meanwhile.
    application = await OAuthApplicationRepository(session, ctx.instance_id).get_or_raise(application_id, lock=kept)
    try:
        await UserRepository(session, ctx.instance_id).keep_or_raise(body.user_id)
    except ClerkError as exc:
        raise user_not_found() from exc
    scopes = _granted_scopes(body.scopes, application.scopes)
    now = now_ms()
    if body.token_format == "jwt":
        access_token = _signed_access_token(
            ctx.instance,
            user_id=body.user_id,
            client_id=application.client_id,
            scopes=scopes,
            lifetime_seconds=body.expires_in_seconds,
            now=now,
        )
        return issued_access_token_json(
            access_token, refresh_token=None, expires_in_seconds=body.expires_in_seconds, scopes=scopes
        )
    access_token, refresh_token = new_opaque_secret(ACCESS_TOKEN_PREFIX), new_opaque_secret(REFRESH_TOKEN_PREFIX)
    session.add(
        OAuthAccessToken(
            id=new_hex_id("oauth_access_token"),
            instance_id=ctx.instance_id,
            application_id=application.id,
            user_id=body.user_id,
            scopes=scopes,
            token_digest=secret_digest(access_token),
            refresh_token_digest=secret_digest(refresh_token),
            revoked=False,
            expiration=now + body.expires_in_seconds * MS_PER_SECOND,
            created_at=now,
            updated_at=now,
        )
    )
    await flush(session)
    return issued_access_token_json(
        access_token, refresh_token=refresh_token, expires_in_seconds=body.expires_in_seconds, scopes=scopes
    )


# -- verifying ----------------------------------------------------------------------------------


def _jwt_claims(instance: InstanceContext, token: str, *, now: int) -> dict[str, Any] | None:
    """The claims of an OAuth JWT access token this instance signed; None once it has expired.
    Anything else (not a JWT, another kind of token, another signer, missing claims, not yet valid)
    is not found. Times are checked on locum's clock, as opaque tokens' are."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("typ") not in JWT_ACCESS_TOKEN_TYPES:
            raise access_token_not_found()
        key = instance.signing_key(header.get("kid"))
        if key is None:
            raise access_token_not_found()
        claims: dict[str, Any] = jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=[SESSION_TOKEN_ALGORITHM],
            options={"require": [*JWT_TIME_CLAIMS, *JWT_STRING_CLAIMS], "verify_exp": False, "verify_nbf": False},
        )
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise access_token_not_found() from None
    if not all(isinstance(claims[name], str) for name in JWT_STRING_CLAIMS) or not all(
        type(claims[name]) is int for name in JWT_TIME_CLAIMS
    ):
        raise access_token_not_found()
    now_seconds = now // MS_PER_SECOND
    if claims["nbf"] > now_seconds:
        raise access_token_not_found()
    if claims["exp"] <= now_seconds:
        return None
    return claims


async def verify_access_token(
    reader: Reader, ctx: RequestContext, *, access_token: str | None, secret: str | None
) -> JSON:
    token = access_token if access_token is not None else secret
    if token is None:
        raise form_param_missing("access_token", status=400)
    reads = AccessTokenReads(reader, ctx.instance_id)
    if _is_jwt(token):
        claims = _jwt_claims(ctx.instance, token, now=now_ms())
        if claims is None:
            return inactive_access_token_json()
        if not await reads.application_exists(claims["client_id"]):
            raise access_token_not_found()
        return jwt_access_token_json(claims)
    digest = secret_digest(token)
    stored = await reads.by_digest(digest)
    if stored is None or not digests_match(stored.token_digest, digest):
        raise access_token_not_found()
    if stored.revoked:
        raise token_revoked("OAuth access token")
    if stored.expiration is not None and stored.expiration <= now_ms():
        raise token_expired("OAuth access token")
    return access_token_json(stored)


# -- revoking -----------------------------------------------------------------------------------


async def revoke_token(session: AsyncSession, ctx: RequestContext, *, application_id: str, token: str) -> None:
    """Revoke the grant whose access or refresh token this is; revoking a revoked grant changes nothing."""
    applications = OAuthApplicationRepository(session, ctx.instance_id)
    await applications.get_or_raise(application_id)
    if _is_jwt(token):
        raise jwt_access_token_not_revocable()
    digest = secret_digest(token)
    grant = await applications.grant_by_token(application_id, digest)
    if grant is None or not (
        digests_match(grant.token_digest, digest) or digests_match(grant.refresh_token_digest or "", digest)
    ):
        raise access_token_not_found()
    if not grant.revoked:
        grant.revoked = True
        grant.updated_at = now_ms()
        await flush(session)
