"""The UpdateSignUp body (Clerk's shape), and locum's sign-up with an invitation ticket."""

from pydantic import Field

from locum.api.bodies import ClerkBody, LongText
from locum.resources.frontend.schemas import ORIGIN_PATTERN


class UpdateSignUpBody(ClerkBody):
    external_id: str | None = None
    custom_action: bool | None = None


class SignUpWithTicketBody(ClerkBody):
    """What Clerk's Frontend API takes for a sign-up with the `ticket` strategy (the invitation's
    `__clerk_ticket`): the email address comes from the invitation."""

    ticket: LongText
    password: LongText | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    origin: str | None = Field(None, pattern=ORIGIN_PATTERN)
