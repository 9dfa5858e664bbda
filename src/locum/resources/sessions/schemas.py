"""Request bodies and the list query of the Sessions operations."""

from typing import Any, Literal

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText
from locum.api.pagination import PaginatedQuery

MIN_TOKEN_LIFETIME_SECONDS = 30
MAX_TOKEN_LIFETIME_SECONDS = 315_360_000

ListableStatus = Literal["abandoned", "active", "ended", "expired", "removed", "replaced", "revoked"]


class SessionListQuery(PaginatedQuery):
    client_id: str | None = None
    user_id: str | None = None
    status: ListableStatus | None = None


class CreateSessionBody(ClerkBody):
    # Optional here so that a missing user_id is Clerk's form_param_missing, body or not.
    user_id: str | None = None
    active_organization_id: str | None = None


class CreateSessionTokenBody(ClerkBody):
    expires_in_seconds: int | None = Field(None, ge=MIN_TOKEN_LIFETIME_SECONDS, le=MAX_TOKEN_LIFETIME_SECONDS)


class RefreshSessionBody(ClerkBody):
    expired_token: LongText
    refresh_token: LongText
    request_origin: LongText
    request_headers: dict[str, Any] | None = None
    format: Literal["token", "cookie"] | None = "token"
    request_originating_ip: str | None = None
