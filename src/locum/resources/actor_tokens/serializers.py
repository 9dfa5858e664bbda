"""Actor tokens as Clerk's `ActorToken` schema has them."""

from locum.db.models import ActorToken
from locum.kit.json_types import JSON
from locum.resources.frontend.serializers import created_ticket_json
from locum.resources.frontend.tickets import ticket_json


def actor_token_json(actor_token: ActorToken) -> JSON:
    return ticket_json(actor_token, actor=actor_token.actor)


def created_actor_token_json(actor_token: ActorToken, secret: str, *, origin: str) -> JSON:
    return created_ticket_json(actor_token_json(actor_token), secret, origin=origin, collection="actor_tokens")
