"""Actor tokens as Clerk's `ActorToken` schema has them."""

from typing import Any

from locum.db.models import ActorToken
from locum.resources.frontend.tickets import consume_url


def actor_token_json(actor_token: ActorToken) -> dict[str, Any]:
    return {
        "object": "actor_token",
        "id": actor_token.id,
        "status": actor_token.status,
        "user_id": actor_token.user_id,
        "actor": actor_token.actor,
        "created_at": actor_token.created_at,
        "updated_at": actor_token.updated_at,
    }


def created_actor_token_json(actor_token: ActorToken, secret: str, *, origin: str) -> dict[str, Any]:
    """Only the create response carries the secret, and the URL that contains it."""
    return {
        **actor_token_json(actor_token),
        "token": secret,
        "url": consume_url(origin, "actor_tokens", secret),
    }
