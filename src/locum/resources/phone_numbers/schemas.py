"""Request bodies of the Phone Numbers operations, named after Clerk's shapes."""

from locum.resources.identifications.schemas import (
    CreateIdentificationBody,
    ReplaceIdentificationBody,
    UpdateIdentificationBody,
)


class CreatePhoneNumberBody(CreateIdentificationBody):
    phone_number: str
    reserved_for_second_factor: bool | None = None


class UpdatePhoneNumberBody(UpdateIdentificationBody):
    reserved_for_second_factor: bool | None = None


class ReplaceUserPhoneNumberBody(ReplaceIdentificationBody):
    phone_number: str
