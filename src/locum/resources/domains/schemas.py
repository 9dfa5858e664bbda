"""Request bodies of the Domains operations; names and proxy URLs are checked by the service."""

from typing import Annotated

from pydantic import Field

from locum.api.bodies import ClerkBody
from locum.db.models.domains import HOSTNAME_MAX_LENGTH, URL_MAX_LENGTH

DomainName = Annotated[str, Field(min_length=1, max_length=HOSTNAME_MAX_LENGTH)]
ProxyUrl = Annotated[str, Field(min_length=1, max_length=URL_MAX_LENGTH)]


class AddDomainBody(ClerkBody):
    name: DomainName
    # The spec allows only `true`: the instance's one primary domain already exists.
    is_satellite: bool
    proxy_url: ProxyUrl | None = None


class UpdateDomainBody(ClerkBody):
    """Omitted or null `name`/`is_secondary` keep the stored value; a null `proxy_url` removes the
    proxy (Clerk: "set proxy_url to null" to switch back to DNS)."""

    name: DomainName | None = None
    proxy_url: ProxyUrl | None = None
    is_secondary: bool | None = None
