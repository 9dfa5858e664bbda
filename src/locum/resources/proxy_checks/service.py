"""VerifyDomainProxy: ask the proxy (probe.py), then record what it answered.

The domain is read first and the proxy asked with no transaction open; only then does the write
session start, lock the domain against deletion (a domain deleted meanwhile is a 404) and store the
check. A proxy that fails the check is a check with `successful: false`, stored like any other:
that is what Clerk's ProxyCheck reports, and the request itself was valid.
"""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.locking import kept
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.json_types import JSON
from locum.resources.domains.errors import domain_not_found
from locum.resources.domains.repository import DomainRepository
from locum.resources.domains.service import ensure_primary_domain, primary_domain_id, proxy_url
from locum.resources.proxy_checks.errors import domain_id_missing, proxy_url_missing
from locum.resources.proxy_checks.probe import proxy_is_healthy
from locum.resources.proxy_checks.repository import ProxyCheckRepository, read_domain_proxy_url
from locum.resources.proxy_checks.schemas import VerifyDomainProxyBody
from locum.resources.proxy_checks.serializers import proxy_check_json


async def _stored_proxy_url(reader: Reader, ctx: RequestContext, domain_id: str) -> str | None:
    exists, url = await read_domain_proxy_url(reader, instance_id=ctx.instance_id, domain_id=domain_id)
    # The primary domain exists before its row does, without a proxy.
    if not exists and domain_id != primary_domain_id(ctx):
        raise domain_not_found()
    return url


async def _record(
    session: AsyncSession, ctx: RequestContext, *, domain_id: str, url: str, successful: bool, at_ms: int
) -> JSON:
    await ensure_primary_domain(session, ctx)
    await DomainRepository(session, ctx.instance_id).get_or_raise(domain_id, lock=kept)
    check = ProxyCheckRepository(session, ctx.instance_id).add(
        domain_id=domain_id, proxy_url=url, successful=successful, last_run_at=at_ms
    )
    await session.flush()
    return proxy_check_json(check)


async def verify_domain_proxy(
    reader: Reader, sessions: Callable[[], AsyncSession], ctx: RequestContext, *, body: VerifyDomainProxyBody
) -> JSON:
    if body.domain_id is None:
        raise domain_id_missing()
    stored = await _stored_proxy_url(reader, ctx, body.domain_id)
    given = body.proxy_url if body.proxy_url is not None else stored
    if given is None:
        raise proxy_url_missing()
    url = proxy_url(given)
    successful = await proxy_is_healthy(url, domain_id=body.domain_id)
    return await _record(sessions(), ctx, domain_id=body.domain_id, url=url, successful=successful, at_ms=now_ms())
