"""Single-use sign-in tickets: actor tokens, sign-in tokens and agent tasks share one life cycle.

    pending --revoke (BAPI)--> revoked
       |----consume (/locum)--> accepted   (a session is started for the token's user)
       '--expires_at passes--> still "pending" in JSON (Clerk's status enum has no "expired"),
                               but can no longer be consumed

Only the SHA-256 digest of a ticket's secret is stored (the secret is shown once, when the ticket
is created), and a consume finds the ticket by that digest. A consume locks the token's row
(db/locking.py; SQLite takes its single write lock when the transaction begins), so of two
concurrent consumes one signs in and the other finds the token accepted. It locks the token's user
first, as the session it starts must, since locks are taken user before token. The refusals use
the codes of Clerk's Frontend API ticket strategy.
"""

import secrets
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import ActorToken, AgentTask, SignInToken
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.kit.json_types import JSON
from locum.kit.keys import secret_digest
from locum.resources.frontend.errors import (
    ticket_cannot_be_revoked,
    ticket_expired,
    ticket_invalid,
    ticket_not_found,
)
from locum.resources.users.repository import UserRepository

PENDING = "pending"
ACCEPTED = "accepted"
REVOKED = "revoked"
SECRET_BYTES = 32

Ticket = TypeVar("Ticket", ActorToken, SignInToken, AgentTask)


@dataclass(frozen=True)
class _Kind:
    # The kind of id (kit/ids.py) and the `object` of the JSON.
    object: str
    # How messages name it.
    name: str
    # Clerk's refusal to revoke one that is no longer pending.
    cannot_be_revoked: str
    # Clerk's code for an id the instance does not have.
    not_found: str = "resource_not_found"


_KINDS: dict[type[Any], _Kind] = {
    ActorToken: _Kind("actor_token", "actor token", "actor_token_cannot_be_revoked_code"),
    SignInToken: _Kind("sign_in_token", "sign-in token", "sign_in_token_cannot_be_revoked_code"),
    AgentTask: _Kind("agent_task", "agent task", "agent_task_cannot_be_revoked", "agent_task_not_found"),
}


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def ticket_json(ticket: ActorToken | SignInToken, **fields: Any) -> JSON:
    """The ticket as Clerk's `ActorToken` / `SignInToken` schema has it; `fields` are the model's own."""
    return {
        "object": _KINDS[type(ticket)].object,
        "id": ticket.id,
        "status": ticket.status,
        "user_id": ticket.user_id,
        **fields,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
    }


async def issue(
    session: AsyncSession,
    ctx: RequestContext,
    model: type[Ticket],
    *,
    user_id: str,
    expires_in_seconds: int,
    **values: Any,
) -> tuple[Ticket, str]:
    """A new pending ticket for the user and its secret, which only the create response shows."""
    now = now_ms()
    secret = new_secret()
    ticket = model(
        id=new_id(_KINDS[model].object),
        instance_id=ctx.instance_id,
        user_id=user_id,
        token_digest=secret_digest(secret),
        status=PENDING,
        expires_at=now + expires_in_seconds * 1000,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(ticket)
    await flush(session)
    return ticket, secret


async def revoke(session: AsyncSession, ctx: RequestContext, model: type[Ticket], *, ticket_id: str) -> Ticket:
    """BAPI's revoke: only a pending ticket can be."""
    ticket = await session.scalar(
        locked(select(model).where(model.instance_id == ctx.instance_id, model.id == ticket_id))
    )
    kind = _KINDS[model]
    if ticket is None:
        raise ticket_not_found(kind.name, kind.not_found)
    if ticket.status != PENDING:
        raise ticket_cannot_be_revoked(kind.name, kind.cannot_be_revoked)
    ticket.status = REVOKED
    ticket.updated_at = now_ms()
    await flush(session)
    return ticket


async def claim(db: AsyncSession, model: type[Ticket], *, instance_id: str, secret: str, now: int) -> Ticket:
    """The pending, unexpired ticket with this secret, now accepted; ticket_invalid / ticket_expired otherwise."""
    digest = secret_digest(secret)
    user_id = await db.scalar(
        select(model.user_id).where(model.instance_id == instance_id, model.token_digest == digest)
    )
    if user_id is None:
        raise ticket_invalid()
    await UserRepository(db, instance_id).get(user_id, lock=locked)
    ticket = await db.scalar(
        locked(select(model).where(model.instance_id == instance_id, model.token_digest == digest))
    )
    if ticket is None or ticket.status != PENDING:
        raise ticket_invalid()
    if ticket.expires_at <= now:
        raise ticket_expired()
    ticket.status = ACCEPTED
    ticket.updated_at = now
    return ticket
