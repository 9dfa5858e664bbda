"""The instance's restrictions on who may be a user: the one check user creation and identifier
additions make (check_identifiers).

With the `restrictions` settings (instances/configuration.py), as Clerk's restricting-access guide
describes them:
- allowlist: every identifier must be on the allow-list, exactly or by a domain wildcard
  (`*@clerk.dev`, `*@*.clerk.dev`); an empty allow-list refuses everyone.
- blocklist: no identifier may be on the block-list, exactly, by a domain wildcard, or (emails) by
  its address with the subaddress removed. An identifier the enabled allow-list names is exempt:
  the allow-list takes precedence.
- block_disposable_email_domains: no email at a known disposable domain (disposable_domains.py).
- block_email_subaddresses: no email whose address without subaddress (Gmail: and without dots) is
  that of an email the instance already has or that comes earlier in the same request; the first
  address of a base is accepted, subaddress or not.
`allowlist_blocklist_disabled_on_sign_in` concerns sign-ins only, which the Backend API doesn't do.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.reads import Reader
from locum.instances import configuration
from locum.instances.context import RequestContext
from locum.kit.identifiers import email_lookup_key
from locum.resources.identifier_lists.disposable_domains import is_disposable
from locum.resources.identifier_lists.errors import (
    disposable_email_address_blocked,
    email_subaddress_not_allowed,
    not_allowed_access,
)
from locum.resources.identifier_lists.identifiers import base_address, candidates, split_email
from locum.resources.identifier_lists.repository import (
    AllowlistRepository,
    BlocklistRepository,
    IdentifierListRepository,
    email_addresses_at,
)


async def _on_list(
    repository: IdentifierListRepository[Any], identifiers: Sequence[str], *, blocklist: bool
) -> set[str]:
    """Those of `identifiers` the list names, directly or by a pattern."""
    wanted = {identifier: candidates(identifier, with_base_address=blocklist) for identifier in identifiers}
    listed = await repository.listed(set().union(*wanted.values()))
    return {identifier for identifier, patterns in wanted.items() if patterns & listed}


async def _check_subaddresses(session: AsyncSession, ctx: RequestContext, emails: Sequence[str]) -> None:
    seen: set[str] = set()
    for email in emails:
        base = base_address(email, ignore_gmail_dots=True)
        _, domain = split_email(email)
        existing = await email_addresses_at(session, instance_id=ctx.instance_id, domain=domain)
        bases = {base_address(other, ignore_gmail_dots=True) for other in existing if other != email}
        if base in seen or base in bases:
            raise email_subaddress_not_allowed()
        seen.add(base)


async def check_identifiers(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    email_addresses: Iterable[str] = (),
    phone_numbers: Iterable[str] = (),
    web3_wallets: Iterable[str] = (),
    reader: Reader | None = None,
) -> None:
    """Raise Clerk's error when the instance's restrictions refuse one of the identifiers (emails
    in any case; phone numbers in E.164 and wallets as locum stores them). The restrictions are
    read on `reader` if given (a writer whose transaction has not begun: on SQLite its first
    statement takes the write lock), else in the session's transaction."""
    emails = [email_lookup_key(address) for address in email_addresses]
    identifiers = [*emails, *phone_numbers, *web3_wallets]
    if not identifiers:
        return
    settings = await configuration.read_group(reader or session, ctx, configuration.RESTRICTIONS)
    allowlisted: set[str] = set()
    if settings["allowlist"]:
        allowlisted = await _on_list(AllowlistRepository(session, ctx.instance_id), identifiers, blocklist=False)
        refused = [identifier for identifier in identifiers if identifier not in allowlisted]
        if refused:
            raise not_allowed_access(refused)
    if settings["blocklist"]:
        unexempt = [identifier for identifier in identifiers if identifier not in allowlisted]
        blocked = await _on_list(BlocklistRepository(session, ctx.instance_id), unexempt, blocklist=True)
        if blocked:
            raise not_allowed_access([identifier for identifier in unexempt if identifier in blocked])
    if settings["block_disposable_email_domains"] and any(is_disposable(split_email(e)[1]) for e in emails):
        raise disposable_email_address_blocked()
    if settings["block_email_subaddresses"]:
        await _check_subaddresses(session, ctx, emails)
