"""Request bodies of the JWT Templates operations (the list takes a PaginatedQuery).

Create and update take the same body, `name` and `claims` required in both (the spec says so for
PATCH too). On update, an omitted or null `lifetime`/`allowed_clock_skew` keeps the stored value
and an omitted `custom_signing_key` keeps the stored signing configuration.
"""

from typing import Annotated, Any

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText
from locum.resources.sessions.schemas import MAX_TOKEN_LIFETIME_SECONDS, MIN_TOKEN_LIFETIME_SECONDS

NAME_MAX_LENGTH = 255
MAX_CLOCK_SKEW_SECONDS = 300

Lifetime = Annotated[int, Field(ge=MIN_TOKEN_LIFETIME_SECONDS, le=MAX_TOKEN_LIFETIME_SECONDS)]
ClockSkew = Annotated[int, Field(ge=0, le=MAX_CLOCK_SKEW_SECONDS)]


class JWTTemplateBody(ClerkBody):
    name: Annotated[str, Field(min_length=1, max_length=NAME_MAX_LENGTH)]
    claims: dict[str, Any]
    lifetime: Lifetime | None = None
    allowed_clock_skew: ClockSkew | None = None
    custom_signing_key: bool | None = None
    # Read only with custom_signing_key=true.
    signing_algorithm: str | None = None
    signing_key: LongText | None = None
