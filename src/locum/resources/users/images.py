"""Profile images: storing an upload as the user's image, and removing it."""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.instances.context import RequestContext
from locum.kit.json_types import JSON
from locum.resources.images.repository import ImageRepository
from locum.resources.images.uploads import DecodedImage
from locum.resources.users.serializers import user_json
from locum.resources.users.service import get_user_or_raise, save_user


async def set_profile_image(session: AsyncSession, ctx: RequestContext, user_id: str, image: DecodedImage) -> JSON:
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    images = ImageRepository(session, ctx.instance_id)
    stored = images.store(image)
    if user.image_id is not None:
        await images.delete_unless_shown(user.image_id, except_by_user_id=user.id)
    user.image_id = stored.id
    return await save_user(session, ctx, user, event="user.updated")


async def delete_profile_image(session: AsyncSession, ctx: RequestContext, user_id: str) -> JSON:
    """Remove the image; a user without one is returned unchanged and no event is recorded."""
    user = await get_user_or_raise(session, ctx, user_id, for_update=True)
    if user.image_id is None:
        return user_json(user, ctx.origin)
    await ImageRepository(session, ctx.instance_id).delete_unless_shown(user.image_id, except_by_user_id=user.id)
    user.image_id = None
    return await save_user(session, ctx, user, event="user.updated")
