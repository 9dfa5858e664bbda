"""Queries email addresses and phone numbers share (each kind's repository subclasses
IdentificationRepository with its model), and those of their one-time-code verifications."""

from typing import TypeVar

from sqlalchemy import delete

from locum.api.errors import not_found
from locum.db.models import EmailAddress, PhoneNumber, Verification
from locum.db.repository import InstanceRepository

Row = TypeVar("Row", EmailAddress, PhoneNumber)


class IdentificationRepository(InstanceRepository[Row]):
    async def owner_id(self, id: str) -> str:
        """The id of the user the identification belongs to."""
        owner: str | None = await self.session.scalar(self.select(self.model.user_id).where(self.model.id == id))
        if owner is None:
            raise self.not_found(id)
        return owner


class VerificationRepository(InstanceRepository[Verification]):
    model = Verification
    id_kind = "verification"

    def not_found(self, id: str) -> Exception:
        return not_found("verification")

    async def of_identification_or_raise(self, id: str, identification_id: str) -> Verification:
        verification: Verification | None = await self.session.scalar(
            self.select().where(Verification.id == id, Verification.identification_id == identification_id)
        )
        if verification is None:
            raise self.not_found(id)
        return verification

    async def delete_of(self, identification_ids: list[str]) -> None:
        await self.session.execute(
            delete(Verification).where(self.scope(), Verification.identification_id.in_(identification_ids))
        )
