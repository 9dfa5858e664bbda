"""Agent tasks: a single-use ticket that signs a user in for an AI agent (or a test), and its
revocation. Consuming one is the Frontend API's part, served by resources/frontend; the life cycle
is drawn in resources/frontend/tickets.py."""

from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import AgentTask
from locum.instances.context import RequestContext
from locum.kit.ids import stable_id
from locum.kit.json_types import JSON
from locum.kit.keys import DEVELOPMENT
from locum.resources.agent_tasks.errors import (
    identifier_not_found,
    on_behalf_of_ambiguous,
    on_behalf_of_missing,
    redirect_url_insecure,
    redirect_url_invalid,
)
from locum.resources.agent_tasks.repository import owner_of_identifier
from locum.resources.agent_tasks.schemas import CreateAgentTaskBody, OnBehalfOf
from locum.resources.agent_tasks.serializers import agent_task_json, created_agent_task_json
from locum.resources.frontend import tickets
from locum.resources.users.repository import UserRepository

# Clerk states no lifetime for the task's URL and the operation takes none. An hour, the default
# lifetime of an actor token (the other ticket that starts a session on someone's behalf): enough
# for an agent or a test to visit the URL it was just given, short for a link that signs a user in.
TICKET_LIFETIME_SECONDS = 3600


def _agent_id_of(instance_id: str, agent_name: str) -> str:
    """Clerk's agent_id is stable per agent_name within an instance: derived, never stored apart."""
    return stable_id("agent", f"{instance_id}/{agent_name}")


def checked_redirect_url(url: str, *, environment_type: str) -> str:
    """An absolute URL with a host: https, or http too in a development instance (as Clerk requires).
    Whether its domain is one of the instance's is checked by Clerk when the task is consumed;
    locum keeps no list of an instance's domains."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise redirect_url_invalid() from exc
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise redirect_url_invalid()
    if parts.scheme == "http" and environment_type != DEVELOPMENT:
        raise redirect_url_insecure()
    return url


async def _user_id(session: AsyncSession, ctx: RequestContext, on_behalf_of: OnBehalfOf) -> str:
    """The user the task is for, kept until commit (db/locking.py): the task must not outlive a user
    deleted meanwhile. An unknown user_id is resource_not_found (the operation's 404); an identifier
    no user has is a form error, as a sign-in with an unknown identifier is at Clerk."""
    user_id, identifier = on_behalf_of.user_id, on_behalf_of.identifier
    if user_id is None:
        if identifier is None:
            raise on_behalf_of_missing()
        user_id = await owner_of_identifier(session, ctx.instance_id, identifier)
        if user_id is None:
            raise identifier_not_found()
    elif identifier is not None:
        raise on_behalf_of_ambiguous()
    await UserRepository(session, ctx.instance_id).keep_or_raise(user_id)
    return user_id


async def create_agent_task(session: AsyncSession, ctx: RequestContext, body: CreateAgentTaskBody) -> JSON:
    """The new task with its URL, which only this response shows."""
    redirect_url = checked_redirect_url(body.redirect_url, environment_type=ctx.instance.environment_type)
    user_id = await _user_id(session, ctx, body.on_behalf_of)
    agent_task, secret = await tickets.issue(
        session,
        ctx,
        AgentTask,
        user_id=user_id,
        expires_in_seconds=TICKET_LIFETIME_SECONDS,
        agent_id=_agent_id_of(ctx.instance_id, body.agent_name),
        agent_name=body.agent_name,
        task_description=body.task_description,
        permissions=body.permissions,
        redirect_url=redirect_url,
        session_max_duration_seconds=body.session_max_duration_in_seconds,
    )
    return created_agent_task_json(agent_task, secret, origin=ctx.origin)


async def revoke_agent_task(session: AsyncSession, ctx: RequestContext, *, agent_task_id: str) -> JSON:
    """Only a pending task can be revoked (agent_task_cannot_be_revoked otherwise)."""
    return agent_task_json(await tickets.revoke(session, ctx, AgentTask, ticket_id=agent_task_id))
