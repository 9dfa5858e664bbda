"""M2M token rules: a machine mints tokens with its own secret key; a token reaches the machines its
machine was scoped to when it was minted (later scope changes leave it be) and lives the machine's
`default_token_ttl` unless told otherwise. Listing and revoking take the instance's secret key (any
machine's tokens) or a machine's (only its own). Verification is in verification.py.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import machine_secret_key_invalid
from locum.db.constraints import flush
from locum.db.locking import kept
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.kit.keys import new_opaque_secret
from locum.kit.sealing import Sealer
from locum.resources.m2m_tokens import jwt_format
from locum.resources.m2m_tokens.errors import (
    jwt_claims_not_an_object,
    machine_token_reserved_claim,
    min_remaining_ttl_too_long,
    other_machines_tokens,
    token_not_found,
)
from locum.resources.m2m_tokens.repository import M2MTokenRepository
from locum.resources.m2m_tokens.schemas import CreateM2MTokenBody, M2MTokenListQuery, RevokeM2MTokenBody
from locum.resources.m2m_tokens.serializers import (
    TokenView,
    created_m2m_token_json,
    m2m_token_json,
    m2m_token_list_json,
)
from locum.resources.machines.repository import MachineRepository

OPAQUE_TOKEN_PREFIX = "mt"


def _check_claims(claims: Any, token_format: str) -> None:
    if isinstance(claims, dict):
        reserved = next((claim for claim in claims if claim in jwt_format.RESERVED_CLAIMS), None)
        if reserved is not None:
            raise machine_token_reserved_claim(reserved)
    elif token_format == "jwt" and claims is not None:
        raise jwt_claims_not_an_object()


async def create_token(session: AsyncSession, ctx: RequestContext, *, sealer: Sealer, body: CreateM2MTokenBody) -> JSON:
    """A new token of the calling machine, or (min_remaining_ttl_seconds) a live one it already has."""
    if ctx.machine_id is None:
        # Clerk refuses the instance's secret key here: only a machine mints its tokens.
        raise machine_secret_key_invalid()
    machines = MachineRepository(session, ctx.instance_id)
    # Kept until the commit: the token must not outlive a machine deleted meanwhile.
    machine = await machines.get(ctx.machine_id, lock=kept)
    if machine is None:
        raise machine_secret_key_invalid()
    lifetime_seconds = (
        body.seconds_until_expiration if body.seconds_until_expiration is not None else machine.default_token_ttl
    )
    if body.min_remaining_ttl_seconds is not None and body.min_remaining_ttl_seconds >= lifetime_seconds:
        raise min_remaining_ttl_too_long(lifetime_seconds)
    _check_claims(body.claims, body.token_format)
    scopes = await machines.scope_ids(machine.id)
    now = now_ms()
    lifetime_ms = round(lifetime_seconds * 1000)
    if body.token_format == "jwt":
        token, view = await jwt_format.mint(
            ctx.instance, machine_id=machine.id, scopes=scopes, claims=body.claims, now=now, lifetime_ms=lifetime_ms
        )
        return created_m2m_token_json(view, token, now=now)
    tokens = M2MTokenRepository(session, ctx.instance_id)
    if body.min_remaining_ttl_seconds is not None:
        existing = await tokens.reusable(
            machine.id, claims=body.claims, scopes=scopes, expiring_after=now + body.min_remaining_ttl_seconds * 1000
        )
        if existing is not None:
            return created_m2m_token_json(TokenView.of(existing), sealer.unseal(existing.sealed_token), now=now)
    token = new_opaque_secret(OPAQUE_TOKEN_PREFIX)
    row = tokens.add_token(
        machine_id=machine.id,
        token=token,
        sealer=sealer,
        claims=body.claims,
        scopes=scopes,
        expiration=now + lifetime_ms,
        now=now,
    )
    await flush(session)
    return created_m2m_token_json(TokenView.of(row), token, now=now)


async def list_tokens(session: AsyncSession, ctx: RequestContext, *, query: M2MTokenListQuery) -> JSON:
    """The subject machine's opaque tokens, newest first. A machine's key lists only its own: the
    spec declares 403 on this operation alone, the one where such a key can name another machine."""
    if ctx.machine_id is not None and query.subject != ctx.machine_id:
        raise other_machines_tokens()
    await MachineRepository(session, ctx.instance_id).get_or_raise(query.subject)
    now = now_ms()
    page = await M2MTokenRepository(session, ctx.instance_id).list_page(query, now=now)
    return m2m_token_list_json([TokenView.of(row) for row in page.items], page.total_count, now=now)


async def revoke_token(session: AsyncSession, ctx: RequestContext, *, token_id: str, body: RevokeM2MTokenBody) -> JSON:
    """A machine's key revokes only its own machine's tokens; any other is not found for it."""
    revoked = await M2MTokenRepository(session, ctx.instance_id).revoke(
        token_id, reason=body.revocation_reason, machine_id=ctx.machine_id
    )
    if revoked is None:
        raise token_not_found()
    return m2m_token_json(TokenView.of(revoked), now=now_ms())
