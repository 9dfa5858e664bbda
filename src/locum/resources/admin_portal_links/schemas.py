"""The createAdminPortalLinkToken and revokeAdminPortalLinkToken bodies (Clerk's shapes)."""

from typing import Annotated

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText

ORGANIZATION_ID_PATTERN = r"^org_\w{27}$"
DEFAULT_SECONDS_UNTIL_EXPIRATION = 3600
MAX_SECONDS_UNTIL_EXPIRATION = 86_400

# Each scope at most 255 characters, at most 100 of them (ClerkBody's bounds).
Scope = Annotated[str, Field(min_length=1)]


class CreateAdminPortalLinkTokenBody(ClerkBody):
    """Every field is optional; null reads as omitted (Clerk's SDKs send null for unset fields)."""

    organization_id: str | None = Field(None, pattern=ORGANIZATION_ID_PATTERN)
    # An opaque reference kept in a 255-character column (ClerkBody's bound).
    it_contact_id: str | None = Field(None, min_length=1)
    scopes: list[Scope] | None = None
    seconds_until_expiration: int = Field(DEFAULT_SECONDS_UNTIL_EXPIRATION, gt=0, le=MAX_SECONDS_UNTIL_EXPIRATION)


class RevokeAdminPortalLinkTokenBody(ClerkBody):
    revocation_reason: LongText | None = None
