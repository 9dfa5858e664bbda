"""Email addresses: every rule is the shared identification one (resources/identifications)."""

from locum.resources.email_addresses.repository import EmailAddressRepository
from locum.resources.identifications.service import IdentificationKind
from locum.resources.users.serializers import email_address_json
from locum.resources.users.service import new_email_address

EMAIL_ADDRESSES = IdentificationKind(
    repository=EmailAddressRepository,
    object="email_address",
    collection="email_addresses",
    otp_strategy="email_code",
    channel=None,
    build=new_email_address,
    render=email_address_json,
)
