"""Verifying an M2M token: the hot path of every service that checks the tokens it is sent.

An opaque token is one bare-driver read by its digest; nothing is written unless the token's
`last_used_at` is more than a minute old (kit/last_used; then one UPDATE), so a token verified many
times a second costs a read each time. A JWT-format token is checked against the instance's signing
keys and its machine's existence (it is not stored).

Who may verify what: the instance's secret key, any token of the instance; a machine's key, only a
token granted access to that machine (the machine is in the token's `scopes`); to any other the
token is unknown.
"""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import token_expired, token_revoked
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.keys import digests_match, secret_digest
from locum.kit.last_used import use_needs_recording
from locum.resources.m2m_tokens import jwt_format
from locum.resources.m2m_tokens.errors import token_not_found
from locum.resources.m2m_tokens.repository import machine_exists, read_token, touch_statement
from locum.resources.m2m_tokens.serializers import TokenView, m2m_token_json


def _check(ctx: RequestContext, view: TokenView, now: int) -> None:
    if ctx.machine_id is not None and ctx.machine_id not in view.scopes:
        raise token_not_found()
    if view.revoked:
        raise token_revoked("M2M token")
    if view.expiration is not None and view.expiration <= now:
        raise token_expired("M2M token")


async def verify_token(
    reader: Reader, write_session: Callable[[], AsyncSession], ctx: RequestContext, *, token: str
) -> JSON:
    """The token's JSON; `write_session()` opens the write session, which only a stale `last_used_at` needs."""
    now = now_ms()
    if jwt_format.looks_like_jwt(token):
        return await _verify_jwt(reader, ctx, token=token, now=now)
    digest = secret_digest(token)
    stored = await read_token(reader, instance_id=ctx.instance_id, digest=digest)
    if stored is None or not digests_match(stored.digest, digest):
        raise token_not_found()
    view = stored.view
    _check(ctx, view, now)
    if use_needs_recording(view.last_used_at, now):
        await write_session().execute(touch_statement(ctx.instance_id, view.id, now=now))
        return m2m_token_json(view, now=now) | {"last_used_at": now, "updated_at": now}
    return m2m_token_json(view, now=now)


async def _verify_jwt(reader: Reader, ctx: RequestContext, *, token: str, now: int) -> JSON:
    view = jwt_format.verified(ctx.instance, token)
    # Deleting a machine ends its tokens, these too, though it cannot recall them from SDKs that
    # verify them themselves.
    if view is None or not await machine_exists(reader, instance_id=ctx.instance_id, machine_id=view.machine_id):
        raise token_not_found()
    _check(ctx, view, now)
    return m2m_token_json(view, now=now)
