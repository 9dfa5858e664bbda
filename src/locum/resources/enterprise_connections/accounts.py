"""Users' accounts on enterprise connections.

A user's stored document (resources/users) embeds each account with its connection's name, domains
and flags, so a change or deletion of a connection re-renders the documents of the users holding an
account on it (`refresh_account_holders`), in the same transaction. Their `updated_at` stays: the
user did not change.

POST /locum/users/{user_id}/enterprise_accounts links an account as a completed SSO sign-in would
(Clerk links it from its Frontend API, which locum does not serve): the user's `enterprise_accounts`
show it, and `saml_accounts` too when the connection speaks SAML.
"""

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_identifier_exists
from locum.db.locking import kept
from locum.db.models import EnterpriseConnection
from locum.instances.context import RequestContext
from locum.kit.ids import new_id
from locum.kit.json_types import JSON
from locum.resources.enterprise_connections.errors import enterprise_connection_not_found
from locum.resources.enterprise_connections.repository import (
    EnterpriseAccountRepository,
    EnterpriseConnectionRepository,
)
from locum.resources.enterprise_connections.schemas import AttachEnterpriseAccountBody
from locum.resources.users.repository import UserRepository
from locum.resources.users.serializers import STORED_ORIGIN, user_json
from locum.resources.users.service import get_user_or_raise, save_user


async def refresh_account_holders(session: AsyncSession, ctx: RequestContext, user_ids: list[str]) -> None:
    """Re-render the stored documents of `user_ids` (locked, in id order) from the flushed state."""
    if not user_ids:
        return
    await session.flush()
    for user in await UserRepository(session, ctx.instance_id).lock_many(sorted(set(user_ids))):
        user.document = orjson.dumps(user_json(user, STORED_ORIGIN))
    await session.flush()


async def attach_enterprise_account(
    session: AsyncSession, ctx: RequestContext, *, user_id: str, body: AttachEnterpriseAccountBody
) -> JSON:
    # The connection is kept (not locked) first: its deletion waits, and a user lock taken next
    # can't cross a deletion that holds the connection and waits for the user (db/locking.py).
    connections = EnterpriseConnectionRepository(session, ctx.instance_id)
    connection: EnterpriseConnection | None = await connections.get(body.enterprise_connection_id, lock=kept)
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    if connection is None:
        raise enterprise_connection_not_found()
    account = EnterpriseAccountRepository(session, ctx.instance_id).add(
        saml_account_id=new_id("saml_account") if connection.protocol == "saml" else None,
        user_id=user.id,
        enterprise_connection_id=connection.id,
        email_address=body.email_address,
        first_name=body.first_name,
        last_name=body.last_name,
        provider_user_id=body.provider_user_id,
        active=body.active,
        public_metadata=body.public_metadata or {},
    )
    account.last_authenticated_at = account.created_at
    account.enterprise_connection = connection
    try:
        await session.flush()
    except IntegrityError as exc:
        raise form_identifier_exists("enterprise_connection_id") from exc
    user.enterprise_accounts.append(account)
    return await save_user(session, ctx, user, event="user.updated")
