"""What a service needs to know about the request it serves, passed as one value.

Services take a `RequestContext` instead of loose `instance_id`/`origin`/`api_version` arguments:
the instance every row they touch belongs to, the origin that public URLs (images) are built on,
the Clerk-API-Version the caller asked for, the caller's address and user agent, which events
record as `http_request`, and the machine whose secret key authenticated the request, if one did
(only the M2M token endpoints accept machine keys).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from locum.instances.registry import InstanceContext


@dataclass(frozen=True, slots=True)
class RequestContext:
    instance: InstanceContext
    origin: str
    api_version: str
    http_request: Mapping[str, str] | None = None
    machine_id: str | None = None

    @property
    def instance_id(self) -> str:
        return self.instance.id
