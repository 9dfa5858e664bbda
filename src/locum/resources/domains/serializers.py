"""Domains as Clerk renders them (the spec's Domain): where Clerk's Frontend API and Account Portal
answer for the domain, and the CNAME records a production domain needs."""

from locum.db.models import Domain
from locum.instances.registry import InstanceContext
from locum.kit.json_types import JSON

PRODUCTION = "production"
# Clerk's subdomains of a production domain: its Frontend API, and its Account Portal.
FRONTEND_API_SUBDOMAIN = "clerk"
ACCOUNTS_SUBDOMAIN = "accounts"


def _frontend_api_host(domain: Domain, instance: InstanceContext) -> str:
    """The instance's own Frontend API host for its primary domain (the one its publishable key
    names) and for every domain of a development instance; `clerk.<domain>` for a production satellite."""
    if domain.is_satellite and instance.environment_type == PRODUCTION:
        return f"{FRONTEND_API_SUBDOMAIN}.{domain.name}"
    return instance.frontend_api_host


def _cname_targets(domain: Domain, instance: InstanceContext) -> list[JSON] | None:
    """The records pointing a production domain's Clerk subdomains at locum's Frontend API host;
    none in development, where Clerk needs no DNS. A proxied domain needs no Frontend API record."""
    if instance.environment_type != PRODUCTION:
        return None
    targets = [
        {
            "host": f"{FRONTEND_API_SUBDOMAIN}.{domain.name}",
            "value": instance.frontend_api_host,
            "required": domain.proxy_url is None,
        }
    ]
    if not domain.is_satellite:
        targets.append(
            {"host": f"{ACCOUNTS_SUBDOMAIN}.{domain.name}", "value": instance.frontend_api_host, "required": True}
        )
    return targets


def domain_json(domain: Domain, *, instance: InstanceContext, development_origin: str) -> JSON:
    """`development_origin` is the instance setting (empty when unset, and in production)."""
    return {
        "object": "domain",
        "id": domain.id,
        "name": domain.name,
        "is_satellite": domain.is_satellite,
        "frontend_api_url": f"https://{_frontend_api_host(domain, instance)}",
        "accounts_portal_url": None if domain.is_satellite else f"https://{ACCOUNTS_SUBDOMAIN}.{domain.name}",
        "proxy_url": domain.proxy_url,
        "development_origin": development_origin,
        "cname_targets": _cname_targets(domain, instance),
    }


def deleted_domain_json(domain_id: str) -> JSON:
    return {"object": "domain", "id": domain_id, "deleted": True}
