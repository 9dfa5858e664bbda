"""Sign-in tokens as Clerk's `SignInToken` schema has them."""

from typing import Any

from locum.db.models import SignInToken
from locum.resources.frontend.tickets import consume_url


def sign_in_token_json(sign_in_token: SignInToken) -> dict[str, Any]:
    return {
        "object": "sign_in_token",
        "id": sign_in_token.id,
        "status": sign_in_token.status,
        "user_id": sign_in_token.user_id,
        "created_at": sign_in_token.created_at,
        "updated_at": sign_in_token.updated_at,
    }


def created_sign_in_token_json(sign_in_token: SignInToken, secret: str, *, origin: str) -> dict[str, Any]:
    """Only the create response carries the secret, and the URL that contains it."""
    return {
        **sign_in_token_json(sign_in_token),
        "token": secret,
        "url": consume_url(origin, "sign_in_tokens", secret),
    }
