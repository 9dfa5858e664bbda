"""Agent tasks through the official SDK, and the agent's sign-in through a real server."""

import httpx
import pytest
from clerk_backend_api import Clerk, models

from tests.builders import unique_email
from tests.sdk.conftest import LocumServer

REDIRECT_URL = "http://localhost:3000/dashboard"


def consume(server: LocumServer, url: str) -> httpx.Response:
    """What visiting the task's URL does at Clerk: locum's stand-in takes the URL's token by POST."""
    token = httpx.URL(url).params["token"]
    return httpx.post(
        f"{server.origin}/locum/agent_tasks/consume",
        json={"token": token, "origin": "http://localhost:3000"},
        headers={"Authorization": f"Bearer {server.secret_key}"},
    )


def create_request(**on_behalf_of: str) -> models.CreateAgentTaskRequestBody:
    return models.CreateAgentTaskRequestBody(
        on_behalf_of=models.OnBehalfOf(**on_behalf_of),
        permissions=models.CreateAgentTaskPermissions.WILDCARD_,
        agent_name="sdk-agent",
        task_description="Check the dashboard",
        redirect_url=REDIRECT_URL,
        session_max_duration_in_seconds=600,
    )


def test_create_sign_in_as_the_agent_and_revoke(clerk: Clerk, server: LocumServer) -> None:
    email = unique_email("sdkagent")
    user = clerk.users.create(email_address=[email])
    created = clerk.agent_tasks.create(request=create_request(identifier=email))
    assert isinstance(created, models.AgentTask) and created.object == models.AgentTaskObject.AGENT_TASK
    assert created.agent_task_id.startswith("agttsk_") and created.agent_id.startswith("agent_")
    assert created.url is not None and created.url.startswith(f"{server.origin}/locum/agent_tasks/consume?token=")
    response = consume(server, created.url)
    assert response.status_code == 200, response.text
    assert response.json()["redirect_url"] == REDIRECT_URL
    session = clerk.sessions.get(session_id=response.json()["session"]["id"])
    assert session.user_id == user.id and session.expire_at - session.created_at == 600_000
    # The SDK's Session.actor model declares no fields, so the actor is read from locum's own JSON.
    assert response.json()["session"]["actor"] == {"sub": created.agent_id, "type": "agent"}
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.agent_tasks.revoke(agent_task_id=created.agent_task_id)
    assert raised.value.data.errors[0].code == "agent_task_cannot_be_revoked"


def test_revoke(clerk: Clerk, server: LocumServer) -> None:
    user = clerk.users.create(email_address=[unique_email("sdkagent")])
    created = clerk.agent_tasks.create(request=create_request(user_id=user.id))
    again = clerk.agent_tasks.create(request=create_request(user_id=user.id))
    assert again.agent_id == created.agent_id and again.agent_task_id != created.agent_task_id
    revoked = clerk.agent_tasks.revoke(agent_task_id=created.agent_task_id)
    assert isinstance(revoked, models.AgentTask)
    assert revoked.agent_task_id == created.agent_task_id and revoked.agent_id == created.agent_id
    assert revoked.url is None
    assert consume(server, created.url or "").json()["errors"][0]["code"] == "ticket_invalid"
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.agent_tasks.revoke(agent_task_id="agttsk_missing")
    assert raised.value.data.errors[0].code == "agent_task_not_found"


def test_errors_are_typed(clerk: Clerk) -> None:
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.agent_tasks.create(request=create_request(user_id="user_missing"))
    assert raised.value.data.errors[0].code == "resource_not_found"
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.agent_tasks.create(request=create_request(identifier="nobody@example.com"))
    assert raised.value.data.errors[0].code == "form_identifier_not_found"
