from locum.api.errors import ClerkError, not_found
from locum.db.models import SignUp
from locum.db.repository import InstanceRepository


class SignUpRepository(InstanceRepository[SignUp]):
    model = SignUp
    id_kind = "sign_up"

    def not_found(self, id: str) -> ClerkError:
        return not_found("sign up")
