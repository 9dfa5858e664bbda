"""Actor tokens (impersonation): creation and revocation. Consuming one is the Frontend API's part,
served by resources/frontend; the life cycle is drawn in resources/frontend/tickets.py."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import ClerkError
from locum.db.constraints import flush
from locum.db.locking import kept
from locum.db.models import ActorToken, User
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.kit.keys import secret_digest
from locum.resources.actor_tokens.schemas import CreateActorTokenBody
from locum.resources.frontend import tickets
from locum.resources.frontend.tickets import PENDING, new_secret


def user_not_found() -> ClerkError:
    # CreateActorToken declares 400, 402 and 422 only: an unknown user is a form error on user_id.
    return ClerkError(
        422,
        "form_resource_not_found",
        "not found",
        "No user was found with this user_id.",
        {"param_name": "user_id"},
    )


async def create_actor_token(
    db: AsyncSession, *, instance_id: str, body: CreateActorTokenBody
) -> tuple[ActorToken, str]:
    """The new token and its secret, which only this response shows."""
    # Kept until commit (db/locking.py): the token must not outlive a user deleted meanwhile.
    if await db.scalar(kept(select(User.id).where(User.instance_id == instance_id, User.id == body.user_id))) is None:
        raise user_not_found()
    now = now_ms()
    secret = new_secret()
    actor_token = ActorToken(
        id=new_id("actor_token"),
        instance_id=instance_id,
        user_id=body.user_id,
        actor=body.actor.model_dump(),
        token_digest=secret_digest(secret),
        status=PENDING,
        expires_at=now + body.expires_in_seconds * 1000,
        session_max_duration_seconds=body.session_max_duration_in_seconds,
        created_at=now,
        updated_at=now,
    )
    db.add(actor_token)
    await flush(db)
    return actor_token, secret


async def revoke_actor_token(db: AsyncSession, *, instance_id: str, actor_token_id: str) -> ActorToken:
    return await tickets.revoke(
        db,
        ActorToken,
        instance_id=instance_id,
        ticket_id=actor_token_id,
        kind="actor token",
        code="actor_token_cannot_be_revoked_code",
    )
