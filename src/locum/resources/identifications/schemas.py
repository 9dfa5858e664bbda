"""Request bodies shared by the Email Addresses and Phone Numbers operations.

Each kind's bodies extend these with the identifier field named after the kind (`email_address`,
`phone_number`) and their own options.

Several of these operations declare no 422 in Clerk's spec (UpdateEmailAddress, UpdatePhoneNumber,
Attempt*Verification): their bodies answer the same Clerk error codes with the status the
operation declares (api/bodies.request_body).
"""

from typing import Annotated, Literal

from locum.api.bodies import ClerkBody, body_of

IdentificationStatus = Literal["verified", "reserved", "unverified"]


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


# Attempt*Verification declare no 422.
AttemptBody = Annotated[AttemptVerificationBody, body_of(AttemptVerificationBody, invalid_status=400)]
