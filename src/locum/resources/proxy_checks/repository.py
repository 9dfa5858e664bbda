"""Proxy check queries: the checked domain's own proxy URL, read before the check runs (on the bare
driver, so no write transaction is open while the proxy is asked)."""

from sqlalchemy import bindparam, select

from locum.db.models import Domain, ProxyCheck
from locum.db.reads import Reader
from locum.db.repository import InstanceRepository
from locum.resources.domains.errors import domain_not_found

DOMAIN_PROXY_URL = select(Domain.proxy_url).where(
    Domain.instance_id == bindparam("instance_id"), Domain.id == bindparam("domain_id")
)


class ProxyCheckRepository(InstanceRepository[ProxyCheck]):
    model = ProxyCheck
    id_kind = "proxy_check"

    def not_found(self, id: str) -> Exception:
        return domain_not_found()


async def read_domain_proxy_url(reader: Reader, *, instance_id: str, domain_id: str) -> tuple[bool, str | None]:
    """(whether the domain's row exists, its proxy URL)."""
    rows = await reader.fetch_by_key(
        reader.prepared(DOMAIN_PROXY_URL), {"instance_id": instance_id, "domain_id": domain_id}
    )
    return (True, rows[0][0]) if rows else (False, None)
