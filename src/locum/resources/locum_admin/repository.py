"""The rows locum's own endpoints attach to a user (Clerk creates them through its Frontend API)."""

from locum.api.errors import not_found
from locum.db.models import ExternalAccount, Passkey, TrustedDevice
from locum.db.repository import InstanceRepository


class ExternalAccountRepository(InstanceRepository[ExternalAccount]):
    model = ExternalAccount
    id_kind = "external_account"

    def not_found(self, id: str) -> Exception:
        return not_found("external account")

    async def provider_user_taken(self, provider: str, provider_user_id: str) -> bool:
        statement = self.select(ExternalAccount.id).where(
            ExternalAccount.provider == provider, ExternalAccount.provider_user_id == provider_user_id
        )
        return await self.session.scalar(statement) is not None


class PasskeyRepository(InstanceRepository[Passkey]):
    model = Passkey
    id_kind = "passkey"

    def not_found(self, id: str) -> Exception:
        return not_found("passkey")


class TrustedDeviceRepository(InstanceRepository[TrustedDevice]):
    model = TrustedDevice
    id_kind = "trusted_device"

    def not_found(self, id: str) -> Exception:
        return not_found("trusted device")
