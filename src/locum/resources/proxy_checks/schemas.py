"""Request body of VerifyDomainProxy."""

from typing import Annotated

from pydantic import Field

from locum.api.bodies import ClerkBody
from locum.resources.domains.schemas import ProxyUrl


class VerifyDomainProxyBody(ClerkBody):
    """`domain_id` is needed (the spec marks neither field required); without `proxy_url` the
    domain's own proxy URL is checked."""

    domain_id: Annotated[str, Field(min_length=1)] | None = None
    proxy_url: ProxyUrl | None = None
