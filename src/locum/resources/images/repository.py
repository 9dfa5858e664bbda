"""Stored images (profile images, organization logos), one row per upload."""

from sqlalchemy import bindparam, delete, select

from locum.api.errors import not_found
from locum.db.models import Image, User
from locum.db.reads import Reader
from locum.db.repository import InstanceRepository
from locum.db.scoping import across_instances
from locum.resources.images.uploads import DecodedImage

# Image URLs are public and carry no instance: the random id is the capability.
IMAGE_BY_ID = across_instances(select(Image.content_type, Image.content).where(Image.id == bindparam("image_id")))


async def image_content(reader: Reader, image_id: str) -> tuple[str, bytes]:
    """(content type, bytes) of the image with this id, in whichever instance it is."""
    rows = await reader.fetch_by_key(reader.prepared(IMAGE_BY_ID), {"image_id": image_id})
    if not rows:
        raise not_found("image")
    content_type, content = rows[0]
    return content_type, bytes(content)


class ImageRepository(InstanceRepository[Image]):
    model = Image
    id_kind = "image"

    def not_found(self, id: str) -> Exception:
        return not_found("image")

    def store(self, image: DecodedImage) -> Image:
        return self.add(content_type=image.content_type, width=image.width, height=image.height, content=image.content)

    async def delete_unless_shown(self, image_id: str, *, except_by_user_id: str) -> None:
        """Delete the image unless a user other than `except_by_user_id` still shows it (UpdateUser
        can share one)."""
        shown_elsewhere = (
            select(User.id).where(self.scope(User), User.image_id == image_id, User.id != except_by_user_id).exists()
        )
        await self.session.execute(delete(Image).where(self.scope(), Image.id == image_id, ~shown_elsewhere))
