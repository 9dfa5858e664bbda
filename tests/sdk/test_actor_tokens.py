"""Actor tokens through the official SDK, and an impersonation sign-in through a real server."""

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.builders import unique_email
from tests.sdk.conftest import LocumServer

ACTOR = {"sub": "user_support", "reason": "support ticket"}


def consume(server: LocumServer, token: str) -> httpx.Response:
    return httpx.post(
        f"{server.origin}/locum/actor_tokens/consume",
        json={"token": token, "origin": "http://localhost:3000"},
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )


def test_create_consume_and_revoke(clerk: Clerk, server: LocumServer) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkact")])
    created = clerk.actor_tokens.create(
        request=models.CreateActorTokenRequestBody(
            user_id=user.id, actor=models.CreateActorTokenActor(**ACTOR), session_max_duration_in_seconds=600
        )
    )
    assert isinstance(created, models.ActorToken)
    assert created.status == models.ActorTokenStatus.PENDING and created.user_id == user.id
    assert created.token and created.url == f"{server.origin}/locum/actor_tokens/consume?token={created.token}"
    response = consume(server, created.token)
    assert response.status_code == 200, response.text
    session = clerk.sessions.get(session_id=response.json()["session"]["id"])
    assert session.user_id == user.id and session.status == models.Status.ACTIVE
    # The SDK's Session.actor model declares no fields, so the actor is read from locum's own JSON.
    assert session.actor is not None and response.json()["session"]["actor"] == ACTOR
    assert session.expire_at - session.created_at == 600_000
    assert consume(server, created.token).json()["errors"][0]["code"] == "ticket_invalid"
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.actor_tokens.revoke(actor_token_id=created.id)
    assert raised.value.data.errors[0].code == "actor_token_cannot_be_revoked_code"


def test_revoke(clerk: Clerk, server: LocumServer) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkact")])
    created = clerk.actor_tokens.create(request={"user_id": user.id, "actor": {"sub": "user_support"}})
    revoked = clerk.actor_tokens.revoke(actor_token_id=created.id)
    assert isinstance(revoked, models.ActorToken)
    assert revoked.status == models.ActorTokenStatus.REVOKED and revoked.token is None
    assert consume(server, created.token or "").json()["errors"][0]["code"] == "ticket_invalid"
    with pytest.raises(models.ClerkErrors):
        clerk.actor_tokens.revoke(actor_token_id="act_missing")


def test_errors_are_typed(clerk: Clerk) -> None:
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.actor_tokens.create(request={"user_id": "user_missing", "actor": {"sub": "user_support"}})
    assert raised.value.data.errors[0].code == "form_resource_not_found"
