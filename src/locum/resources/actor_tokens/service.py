"""Actor tokens (impersonation): creation and revocation. Consuming one is the Frontend API's part,
served by resources/frontend; the life cycle is drawn in resources/frontend/tickets.py."""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import ClerkError
from locum.db.models import ActorToken
from locum.instances.context import RequestContext
from locum.kit.json_types import JSON
from locum.resources.actor_tokens.errors import user_not_found
from locum.resources.actor_tokens.schemas import CreateActorTokenBody
from locum.resources.actor_tokens.serializers import actor_token_json, created_actor_token_json
from locum.resources.frontend import tickets
from locum.resources.users.repository import UserRepository


async def create_actor_token(session: AsyncSession, ctx: RequestContext, body: CreateActorTokenBody) -> JSON:
    """The new token with its secret, which only this response shows."""
    # Kept until commit (db/locking.py): the token must not outlive a user deleted meanwhile.
    try:
        await UserRepository(session, ctx.instance_id).keep_or_raise(body.user_id)
    except ClerkError as exc:
        raise user_not_found() from exc
    actor_token, secret = await tickets.issue(
        session,
        ctx,
        ActorToken,
        user_id=body.user_id,
        expires_in_seconds=body.expires_in_seconds,
        actor=body.actor.model_dump(),
        session_max_duration_seconds=body.session_max_duration_in_seconds,
    )
    return created_actor_token_json(actor_token, secret, origin=ctx.origin)


async def revoke_actor_token(session: AsyncSession, ctx: RequestContext, *, actor_token_id: str) -> JSON:
    return actor_token_json(await tickets.revoke(session, ctx, ActorToken, ticket_id=actor_token_id))
