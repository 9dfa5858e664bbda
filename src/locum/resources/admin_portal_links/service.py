"""Admin portal link tokens: a secret that opens Clerk's hosted admin portal (where an
organization's IT contact sets up enterprise SSO) for a while, and its revocation.

locum serves no admin portal, so nothing redeems a token: it is made, shown once (only its digest
is kept) and can be revoked. Every token belongs to an admin portal link, one per organization (one
for the instance when the token names none); its id is derived from the pair, so concurrent
creates agree on it without a lock. Clerk's spec declares a 409 for create but documents no rule
that gives it; locum answers 409 only as it does everywhere, for a write that collided with another.
"""

import re

from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.constraints import flush
from locum.db.locking import locked
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.ids import HEX_ID_PREFIXES, stable_id
from locum.kit.json_types import JSON
from locum.kit.keys import new_opaque_secret, secret_digest
from locum.resources.admin_portal_links.errors import organization_not_found, token_id_malformed
from locum.resources.admin_portal_links.repository import AdminPortalLinkTokenRepository
from locum.resources.admin_portal_links.schemas import CreateAdminPortalLinkTokenBody, RevokeAdminPortalLinkTokenBody
from locum.resources.admin_portal_links.serializers import (
    admin_portal_link_token_json,
    created_admin_portal_link_token_json,
)

# The spec's pattern for a token id (the path parameter of revoke).
TOKEN_ID = re.compile(r"^aplt_[0-9A-Fa-f]{32}$")
# Clerk's example token starts as the ids do.
TOKEN_PREFIX = HEX_ID_PREFIXES["admin_portal_link_token"]


def _admin_portal_link_id_of(instance_id: str, organization_id: str | None) -> str:
    return stable_id("admin_portal_link", f"{instance_id}/{organization_id or ''}")


async def create_admin_portal_link_token(
    session: AsyncSession, ctx: RequestContext, body: CreateAdminPortalLinkTokenBody
) -> JSON:
    """The new token with its secret, which only this response shows."""
    tokens = AdminPortalLinkTokenRepository(session, ctx.instance_id)
    if body.organization_id is not None and not await tokens.keep_organization(body.organization_id):
        raise organization_not_found()
    now = now_ms()
    secret = new_opaque_secret(TOKEN_PREFIX)
    token = tokens.insert(
        admin_portal_link_id=_admin_portal_link_id_of(ctx.instance_id, body.organization_id),
        organization_id=body.organization_id,
        it_contact_id=body.it_contact_id,
        scopes=body.scopes,
        token_digest=secret_digest(secret),
        revoked=False,
        revocation_reason=None,
        expiration=now + body.seconds_until_expiration * 1000,
        created_at=now,
        updated_at=now,
    )
    await flush(session)
    return created_admin_portal_link_token_json(token, secret, now=now)


async def revoke_admin_portal_link_token(
    session: AsyncSession, ctx: RequestContext, *, token_id: str, body: RevokeAdminPortalLinkTokenBody
) -> JSON:
    """Revoked for good. Revoking a revoked token changes nothing and answers it as it is (first
    reason kept): the state asked for already holds, and Clerk names no refusal for it, as it does
    for the tickets that have one (`actor_token_cannot_be_revoked_code`, `agent_task_cannot_be_revoked`).
    An expired token can still be revoked."""
    if not TOKEN_ID.fullmatch(token_id):
        raise token_id_malformed()
    token = await AdminPortalLinkTokenRepository(session, ctx.instance_id).get_or_raise(token_id, lock=locked)
    now = now_ms()
    if not token.revoked:
        token.revoked = True
        token.revocation_reason = body.revocation_reason
        token.updated_at = now
        await flush(session)
    return admin_portal_link_token_json(token, now=now)
