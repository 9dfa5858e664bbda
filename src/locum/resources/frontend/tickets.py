"""Single-use sign-in tickets: actor tokens and sign-in tokens share one life cycle.

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
from typing import TypeVar
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import ClerkError, not_found
from locum.db.constraints import flush
from locum.db.locking import locked
from locum.db.models import ActorToken, SignInToken
from locum.kit.clock import now_ms
from locum.kit.keys import secret_digest
from locum.resources.users.repository import UserRepository

PENDING = "pending"
ACCEPTED = "accepted"
REVOKED = "revoked"
SECRET_BYTES = 32

Ticket = TypeVar("Ticket", ActorToken, SignInToken)


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def consume_url(origin: str, collection: str, secret: str) -> str:
    """The URL Clerk would mail or hand out. locum has no browser-facing sign-in page: the ticket is
    redeemed by POSTing {"token"} to this path with the secret key (a GET of the URL is refused)."""
    return f"{origin}/locum/{collection}/consume?{urlencode({'token': secret})}"


def ticket_invalid() -> ClerkError:
    return ClerkError(
        400,
        "ticket_invalid",
        "Invalid ticket",
        "The token is not a pending token of this instance: it does not exist, was revoked, or was already used.",
        {"param_name": "token"},
    )


def ticket_expired() -> ClerkError:
    return ClerkError(
        400, "ticket_expired", "Ticket expired", "The token has expired; create a new one.", {"param_name": "token"}
    )


async def revoke(
    db: AsyncSession, model: type[Ticket], *, instance_id: str, ticket_id: str, kind: str, code: str
) -> Ticket:
    """BAPI's revoke: only a pending ticket can be; `kind` names it in messages, `code` is Clerk's refusal."""
    ticket = await db.scalar(locked(select(model).where(model.instance_id == instance_id, model.id == ticket_id)))
    if ticket is None:
        raise not_found(kind)
    if ticket.status != PENDING:
        raise ClerkError(400, code, f"{kind.capitalize()} cannot be revoked", f"Only pending {kind}s can be revoked.")
    ticket.status = REVOKED
    ticket.updated_at = now_ms()
    await flush(db)
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
