"""Bodies of the replay endpoints (Svix's "resend message" and "recover failed messages since")."""

from pydantic import Field

from locum.api.bodies import ClerkBody


class ReplayMessageBody(ClerkBody):
    # Only to this endpoint; every enabled endpoint that wants the event when absent.
    endpoint_id: str | None = None


class ReplaySinceBody(ClerkBody):
    # Unix milliseconds: events created at or after this time.
    since: int = Field(ge=0)
    endpoint_id: str | None = None
