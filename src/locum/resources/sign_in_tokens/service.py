"""Sign-in tokens: creation and revocation. Consuming one is the Frontend API's part, served by
resources/frontend; the life cycle is drawn in resources/frontend/tickets.py."""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import SignInToken
from locum.instances.context import RequestContext
from locum.kit.json_types import JSON
from locum.resources.frontend import tickets
from locum.resources.organization_invitations.errors import not_a_member
from locum.resources.organizations import lookup
from locum.resources.organizations.repository import MembershipRepository
from locum.resources.sign_in_tokens.schemas import DEFAULT_EXPIRES_IN_SECONDS, CreateSignInTokenBody
from locum.resources.sign_in_tokens.serializers import created_sign_in_token_json, sign_in_token_json
from locum.resources.users.repository import UserRepository


async def _organization_to_activate(session: AsyncSession, ctx: RequestContext, *, user_id: str, org_id: str) -> str:
    """The organization's id, once organizations are enabled and the user is one of its members."""
    await lookup.require_enabled(session, instance_id=ctx.instance_id)
    organization = await lookup.get_organization_or_raise(session, instance_id=ctx.instance_id, id_or_slug=org_id)
    memberships = MembershipRepository(session, ctx.instance_id)
    if not await memberships.exists(organization_id=organization.id, user_id=user_id):
        raise not_a_member()
    return organization.id


async def create_sign_in_token(session: AsyncSession, ctx: RequestContext, body: CreateSignInTokenBody) -> JSON:
    """The new token with its secret, which only this response shows."""
    await UserRepository(session, ctx.instance_id).keep_or_raise(body.user_id)
    organization_id = (
        await _organization_to_activate(session, ctx, user_id=body.user_id, org_id=body.org_id)
        if body.org_id is not None
        else None
    )
    sign_in_token, secret = await tickets.issue(
        session,
        ctx,
        SignInToken,
        user_id=body.user_id,
        expires_in_seconds=body.expires_in_seconds or DEFAULT_EXPIRES_IN_SECONDS,
        organization_id=organization_id,
    )
    return created_sign_in_token_json(sign_in_token, secret, origin=ctx.origin)


async def revoke_sign_in_token(session: AsyncSession, ctx: RequestContext, *, sign_in_token_id: str) -> JSON:
    return sign_in_token_json(await tickets.revoke(session, ctx, SignInToken, ticket_id=sign_in_token_id))
