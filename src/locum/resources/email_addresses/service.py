"""Email addresses: every rule is the shared identification one (resources/identifications)."""

from locum.db.models import EmailAddress
from locum.resources.identifications.service import IdentificationKind
from locum.resources.users.serializers import email_address_json
from locum.resources.users.service import new_email_address

EMAIL_ADDRESSES = IdentificationKind(
    model=EmailAddress,
    object="email_address",
    noun="email address",
    collection="email_addresses",
    primary_attribute="primary_email_address_id",
    otp_strategy="email_code",
    channel=None,
    build=new_email_address,
    render=email_address_json,
)
