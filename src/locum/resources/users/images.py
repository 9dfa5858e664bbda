"""Profile images: storing an upload as the user's image, and removing it."""

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Image, User
from locum.resources.images.repository import ImageRepository
from locum.resources.images.uploads import DecodedImage
from locum.resources.users.serializers import JSON, user_json
from locum.resources.users.service import get_user_or_raise, save_user


async def _drop_if_unused(session: AsyncSession, user: User, image_id: str | None) -> None:
    """Delete the user's previous image unless another user still shows it (UpdateUser can share one)."""
    if image_id is None:
        return
    shown_elsewhere = (
        select(User.id)
        .where(User.instance_id == user.instance_id, User.image_id == image_id, User.id != user.id)
        .exists()
    )
    await session.execute(
        delete(Image).where(Image.instance_id == user.instance_id, Image.id == image_id, ~shown_elsewhere)
    )


async def set_profile_image(
    session: AsyncSession, *, instance_id: str, user_id: str, image: DecodedImage, origin: str
) -> JSON:
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id, for_update=True)
    stored = ImageRepository(session, instance_id).store(image)
    await _drop_if_unused(session, user, user.image_id)
    user.image_id = stored.id
    return await save_user(session, user, origin=origin, event="user.updated")


async def delete_profile_image(session: AsyncSession, *, instance_id: str, user_id: str, origin: str) -> JSON:
    """Remove the image; a user without one is returned unchanged and no event is recorded."""
    user = await get_user_or_raise(session, instance_id=instance_id, user_id=user_id, for_update=True)
    if user.image_id is None:
        return user_json(user, origin)
    await _drop_if_unused(session, user, user.image_id)
    user.image_id = None
    return await save_user(session, user, origin=origin, event="user.updated")
