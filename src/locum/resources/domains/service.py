"""Domain rules: one primary domain per instance, satellites added beside it, names and proxy URLs.

Every instance has its primary domain. Its name is the application domain the instance's Frontend
API host implies, as with Clerk (`<slug>.clerk.accounts.dev` serves `<slug>.accounts.dev`): locum's
host `<slug>.locum.localhost` serves `<slug>.localhost`. Its id is the instance's id under the
domain prefix (`ins_X` -> `dmn_X`), so it is the same before and after its row exists: the row is
made (INSERT … ON CONFLICT DO NOTHING) by the first operation that writes to the instance's
domains, and until then ListDomains renders the same values from the instance.

Names are hostnames (a port too in development instances, as `localhost:3000`), stored lowercase,
unique per instance by the (instance_id, name) constraint. A proxy URL is an absolute http(s) URL
and, as the spec says, only production instances' domains take one.
"""

import re
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import form_param_format_invalid
from locum.api.pagination import list_body
from locum.db.locking import locked, locked_for_delete
from locum.db.models import Domain
from locum.instances.configuration import INSTANCE, read_group
from locum.instances.context import RequestContext
from locum.kit.clock import now_ms
from locum.kit.ids import PREFIXES
from locum.kit.json_types import JSON
from locum.resources.domains.errors import (
    domain_exists,
    operation_not_allowed_on_primary_domain,
    primary_domain_already_exists,
    proxy_url_in_development,
)
from locum.resources.domains.repository import DomainRepository
from locum.resources.domains.schemas import AddDomainBody, UpdateDomainBody
from locum.resources.domains.serializers import PRODUCTION, deleted_domain_json, domain_json

# RFC 1123 labels; the last one (the TLD) not all digits. Production names are fully qualified.
HOSTNAME_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
HOSTNAME_MAX_LENGTH = 253
MAX_PORT = 65535
PROXY_URL_SCHEMES = frozenset({"http", "https"})


def primary_domain_id(ctx: RequestContext) -> str:
    return f"{PREFIXES['domain']}_{ctx.instance_id.partition('_')[2]}"


def primary_domain_name(frontend_api_host: str) -> str:
    slug, _, service_domain = frontend_api_host.partition(".")
    parent = service_domain.partition(".")[2]
    return f"{slug}.{parent}" if parent else frontend_api_host


def _primary_values(ctx: RequestContext) -> dict[str, object]:
    return {
        "id": primary_domain_id(ctx),
        "name": primary_domain_name(ctx.instance.frontend_api_host),
        "is_satellite": False,
        "is_secondary": False,
        "proxy_url": None,
    }


def _is_hostname(host: str, *, fully_qualified: bool) -> bool:
    labels = host.split(".")
    if len(host) > HOSTNAME_MAX_LENGTH or (fully_qualified and len(labels) < 2):
        return False
    return all(HOSTNAME_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


def domain_name(ctx: RequestContext, name: str) -> str:
    """`name` as stored (lowercase), or form_param_format_invalid when it is no domain name."""
    normalized = name.lower()
    host, has_port, port = normalized.partition(":")
    production = ctx.instance.environment_type == PRODUCTION
    port_ok = not has_port or (not production and port.isdigit() and 0 < int(port) <= MAX_PORT)
    if not (_is_hostname(host, fully_qualified=production) and port_ok):
        detail = "name must be a domain name such as example.com, without a scheme or path"
        if not production:
            detail += " (a port may follow in development, as localhost:3000)"
        raise form_param_format_invalid("name", f"{detail}.")
    return normalized


def proxy_url(url: str) -> str:
    """`url`, or form_param_format_invalid when it is no absolute http(s) URL."""
    try:
        parts = urlsplit(url)
        valid = parts.scheme in PROXY_URL_SCHEMES and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid or any(character.isspace() for character in url):
        raise form_param_format_invalid("proxy_url", "proxy_url must be an absolute http(s) URL.")
    return url.rstrip("/")


async def ensure_primary_domain(session: AsyncSession, ctx: RequestContext) -> None:
    """Make the primary domain's row unless it exists (before anything changes or refers to a domain)."""
    await DomainRepository(session, ctx.instance_id).add_unless_exists(**_primary_values(ctx))


async def _development_origin(session: AsyncSession, ctx: RequestContext) -> str:
    if ctx.instance.environment_type == PRODUCTION:
        return ""
    return str((await read_group(session, ctx, INSTANCE))["development_origin"] or "")


async def list_domains(session: AsyncSession, ctx: RequestContext) -> JSON:
    domains = await DomainRepository(session, ctx.instance_id).list_all()
    if not domains or domains[0].is_satellite:
        domains.insert(0, Domain(instance_id=ctx.instance_id, **_primary_values(ctx)))
    origin = await _development_origin(session, ctx)
    data = [domain_json(domain, instance=ctx.instance, development_origin=origin) for domain in domains]
    return list_body(data, len(data))


async def _flush_naming(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise domain_exists() from exc


async def add_domain(session: AsyncSession, ctx: RequestContext, *, body: AddDomainBody) -> JSON:
    if not body.is_satellite:
        raise primary_domain_already_exists()
    name = domain_name(ctx, body.name)
    if body.proxy_url is not None and ctx.instance.environment_type != PRODUCTION:
        raise proxy_url_in_development(400, "request_invalid_for_environment")
    url = None if body.proxy_url is None else proxy_url(body.proxy_url)
    await ensure_primary_domain(session, ctx)
    domain = DomainRepository(session, ctx.instance_id).add(name=name, is_satellite=True, proxy_url=url)
    await _flush_naming(session)
    return domain_json(domain, instance=ctx.instance, development_origin=await _development_origin(session, ctx))


async def update_domain(session: AsyncSession, ctx: RequestContext, *, domain_id: str, body: UpdateDomainBody) -> JSON:
    changes_proxy = "proxy_url" in body.model_fields_set
    if changes_proxy and ctx.instance.environment_type != PRODUCTION:
        raise proxy_url_in_development(400, "domain_update_forbidden")
    name = None if body.name is None else domain_name(ctx, body.name)
    url = None if body.proxy_url is None else proxy_url(body.proxy_url)
    await ensure_primary_domain(session, ctx)
    domain = await DomainRepository(session, ctx.instance_id).get_or_raise(domain_id, lock=locked)
    if name is not None:
        domain.name = name
    if changes_proxy:
        domain.proxy_url = url
    if body.is_secondary is not None:
        domain.is_secondary = body.is_secondary
    domain.updated_at = now_ms()
    await _flush_naming(session)
    return domain_json(domain, instance=ctx.instance, development_origin=await _development_origin(session, ctx))


async def delete_domain(session: AsyncSession, ctx: RequestContext, *, domain_id: str) -> JSON:
    if domain_id == primary_domain_id(ctx):
        raise operation_not_allowed_on_primary_domain()
    domain = await DomainRepository(session, ctx.instance_id).get_or_raise(domain_id, lock=locked_for_delete)
    await session.delete(domain)
    await session.flush()
    return deleted_domain_json(domain_id)
