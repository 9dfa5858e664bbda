"""Finding the user an agent task is for by an identifier the user has proven."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import EmailAddress, PhoneNumber, User
from locum.kit.identifiers import email_lookup_key, normalize_email, normalize_phone
from locum.resources.identifications.service import VERIFIED


async def owner_of_identifier(session: AsyncSession, instance_id: str, identifier: str) -> str | None:
    """The id of the user with this verified email address or phone number, or this username (a
    username needs no verification); None when no user of the instance has it.

    A username can hold neither `@` nor `+`, so the identifier's shape says which one it is."""
    text = identifier.strip()
    if "@" in text:
        email = normalize_email(text)
        if email is None:
            return None
        user_id: str | None = await session.scalar(
            select(EmailAddress.user_id).where(
                EmailAddress.instance_id == instance_id,
                EmailAddress.email_address_normalized == email_lookup_key(email),
                EmailAddress.verification_status == VERIFIED,
            )
        )
        return user_id
    if text.startswith("+"):
        phone = normalize_phone(text)
        if phone is None:
            return None
        user_id = await session.scalar(
            select(PhoneNumber.user_id).where(
                PhoneNumber.instance_id == instance_id,
                PhoneNumber.phone_number == phone,
                PhoneNumber.verification_status == VERIFIED,
            )
        )
        return user_id
    user_id = await session.scalar(
        select(User.id).where(User.instance_id == instance_id, User.username_normalized == text.lower())
    )
    return user_id
