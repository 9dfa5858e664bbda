from locum.api.errors import not_found
from locum.db.models import EmailAddress
from locum.resources.identifications.repository import IdentificationRepository


class EmailAddressRepository(IdentificationRepository[EmailAddress]):
    model = EmailAddress
    id_kind = "email_address"

    def not_found(self, id: str) -> Exception:
        return not_found("email address")
