"""The CreateSignInToken body (Clerk's shape)."""

from pydantic import Field

from locum.api.bodies import ClerkBody

DEFAULT_EXPIRES_IN_SECONDS = 2_592_000
# Ten years: Clerk states no maximum; this keeps millisecond deadlines far inside a 64-bit column.
MAX_EXPIRES_IN_SECONDS = 315_360_000


class CreateSignInTokenBody(ClerkBody):
    user_id: str
    org_id: str | None = None
    # null means the default, as the spec's `nullable: true` with a default reads.
    expires_in_seconds: int | None = Field(DEFAULT_EXPIRES_IN_SECONDS, ge=1, le=MAX_EXPIRES_IN_SECONDS)
