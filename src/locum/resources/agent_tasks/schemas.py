"""The CreateAgentTask body (Clerk's shape)."""

from typing import Literal

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText
from locum.resources.actor_tokens.schemas import MAX_DURATION_SECONDS

# Clerk's default: an agent's session lasts 30 minutes.
DEFAULT_SESSION_MAX_DURATION_SECONDS = 1800
# The longest identifier a user can have: an email address (its column's length).
MAX_IDENTIFIER_LENGTH = 320


class OnBehalfOf(ClerkBody):
    """Exactly one of the two names the user (checked by the service, which names the parameter)."""

    user_id: str | None = Field(None, min_length=1)
    identifier: str | None = Field(None, min_length=1, max_length=MAX_IDENTIFIER_LENGTH)


class CreateAgentTaskBody(ClerkBody):
    on_behalf_of: OnBehalfOf
    permissions: Literal["*"]
    # The agent id is derived from the name; the column holds 255 characters (ClerkBody's bound).
    agent_name: str = Field(min_length=1)
    task_description: LongText = Field(min_length=1)
    # Checked against the instance's environment by the service (https, or http in development).
    redirect_url: LongText
    session_max_duration_in_seconds: int = Field(DEFAULT_SESSION_MAX_DURATION_SECONDS, ge=1, le=MAX_DURATION_SECONDS)
