"""Sign-in tokens as Clerk's `SignInToken` schema has them."""

from locum.db.models import SignInToken
from locum.kit.json_types import JSON
from locum.resources.frontend.serializers import created_ticket_json
from locum.resources.frontend.tickets import ticket_json


def sign_in_token_json(sign_in_token: SignInToken) -> JSON:
    return ticket_json(sign_in_token)


def created_sign_in_token_json(sign_in_token: SignInToken, secret: str, *, origin: str) -> JSON:
    return created_ticket_json(sign_in_token_json(sign_in_token), secret, origin=origin, collection="sign_in_tokens")
