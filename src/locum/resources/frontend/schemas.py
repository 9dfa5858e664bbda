"""Bodies of locum's Frontend API stand-ins."""

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText

# scheme://host[:port], nothing after: what a browser sends as Origin, and what becomes the token's azp.
ORIGIN_PATTERN = r"^https?://[^/\s?#]+$"
# Ten years; the columns are 32-bit integers of seconds.
MAX_SESSION_SETTING_SECONDS = 315_360_000


class ConsumeTokenBody(ClerkBody):
    token: LongText
    origin: str | None = Field(None, pattern=ORIGIN_PATTERN)


class SessionSettingsBody(ClerkBody):
    """Omitted fields stay as they are; null disables the limit."""

    max_lifetime_seconds: int | None = Field(None, ge=1, le=MAX_SESSION_SETTING_SECONDS)
    inactivity_timeout_seconds: int | None = Field(None, ge=1, le=MAX_SESSION_SETTING_SECONDS)
