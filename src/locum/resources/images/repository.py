"""Stored images (profile images, organization logos), one row per upload."""

from locum.api.errors import not_found
from locum.db.models import Image
from locum.db.repository import InstanceRepository
from locum.resources.images.uploads import DecodedImage


class ImageRepository(InstanceRepository[Image]):
    model = Image
    id_kind = "image"

    def not_found(self, id: str) -> Exception:
        return not_found("image")

    def store(self, image: DecodedImage) -> Image:
        return self.add(content_type=image.content_type, width=image.width, height=image.height, content=image.content)
