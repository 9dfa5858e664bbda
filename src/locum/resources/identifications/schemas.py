"""Request bodies shared by the Email Addresses and Phone Numbers operations, and how they are read.

Each kind's bodies extend these with the identifier field named after the kind (`email_address`,
`phone_number`) and their own options.

Several of these operations declare no 422 in Clerk's spec (UpdateEmailAddress, UpdatePhoneNumber,
Attempt*Verification), so bodies are parsed here rather than by FastAPI: the same Clerk error
codes, with the status the operation declares.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Body, Depends
from pydantic import ValidationError

from locum.api.bodies import ClerkBody
from locum.api.errors import ClerkError, validation_errors

IdentificationStatus = Literal["verified", "reserved", "unverified"]
Parsed = TypeVar("Parsed", bound=ClerkBody)


class CreateIdentificationBody(ClerkBody):
    user_id: str
    verified: bool | None = None
    primary: bool | None = None


class UpdateIdentificationBody(ClerkBody):
    verified: bool | None = None
    primary: bool | None = None


class ReplaceIdentificationBody(ClerkBody):
    identification_status: IdentificationStatus = "verified"


class AttemptVerificationBody(ClerkBody):
    verification_id: str
    code: str


def request_body(model: type[Parsed], *, invalid_status: int) -> Callable[..., Awaitable[Parsed]]:
    """A dependency reading the JSON body as `model` (absent body = `{}`); invalid input is a
    Clerk form error with `invalid_status`. Malformed JSON stays FastAPI's (400 request_body_invalid)."""

    async def parse(body: Annotated[Any, Body()] = None) -> Parsed:
        try:
            return model.model_validate({} if body is None else body)
        except ValidationError as exc:
            error = validation_errors(exc.errors())
            raise ClerkError(
                invalid_status,
                error.code,
                error.message,
                error.long_message,
                error.meta,
                extra_errors=error.extra_errors,
            ) from None

    return parse


# Attempt*Verification declare no 422.
AttemptBody = Annotated[AttemptVerificationBody, Depends(request_body(AttemptVerificationBody, invalid_status=400))]
