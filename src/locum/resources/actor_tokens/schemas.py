"""The CreateActorToken body (Clerk's shape)."""

from pydantic import BaseModel, ConfigDict, Field

from locum.api.bodies import ClerkBody

DEFAULT_EXPIRES_IN_SECONDS = 3600
DEFAULT_SESSION_MAX_DURATION_SECONDS = 1800
# Ten years: Clerk states no maximum; this keeps millisecond deadlines far inside a 64-bit column.
MAX_DURATION_SECONDS = 315_360_000


class Actor(BaseModel):
    """Who impersonates: `sub` is required, anything else is kept and travels in the session token's `act`."""

    model_config = ConfigDict(extra="allow")

    sub: str = Field(min_length=1)


class CreateActorTokenBody(ClerkBody):
    user_id: str
    actor: Actor
    expires_in_seconds: int = Field(DEFAULT_EXPIRES_IN_SECONDS, ge=1, le=MAX_DURATION_SECONDS)
    session_max_duration_in_seconds: int = Field(DEFAULT_SESSION_MAX_DURATION_SECONDS, ge=1, le=MAX_DURATION_SECONDS)
