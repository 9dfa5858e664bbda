"""Request bodies of the Email Addresses operations, named after Clerk's shapes.

`notify_primary_email_address_changed` is accepted and has no effect: locum sends no email.
"""

from locum.resources.identifications.schemas import (
    CreateIdentificationBody,
    ReplaceIdentificationBody,
    UpdateIdentificationBody,
)


class CreateEmailAddressBody(CreateIdentificationBody):
    email_address: str
    notify_primary_email_address_changed: bool | None = False


class UpdateEmailAddressBody(UpdateIdentificationBody):
    notify_primary_email_address_changed: bool | None = False


class ReplaceUserEmailAddressBody(ReplaceIdentificationBody):
    email_address: str
    notify_primary_email_address_changed: bool | None = False
