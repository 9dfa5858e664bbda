"""Proxy checks as Clerk renders them (the spec's ProxyCheck)."""

from locum.db.models import ProxyCheck
from locum.kit.json_types import JSON, columns


def proxy_check_json(check: ProxyCheck) -> JSON:
    return {
        "object": "proxy_check",
        **columns(check, "id", "domain_id", "last_run_at", "proxy_url", "successful", "created_at", "updated_at"),
    }
