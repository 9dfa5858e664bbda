from locum.api.errors import not_found
from locum.db.models import PhoneNumber
from locum.resources.identifications.repository import IdentificationRepository


class PhoneNumberRepository(IdentificationRepository[PhoneNumber]):
    model = PhoneNumber
    id_kind = "phone_number"

    def not_found(self, id: str) -> Exception:
        return not_found("phone number")
