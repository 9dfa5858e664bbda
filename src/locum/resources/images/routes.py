"""Uploaded images served back at the URLs locum returns (`image_url`).

Public, as Clerk's image CDN is: browsers load these without a secret key, and ids are unguessable.
"""

from fastapi import APIRouter
from starlette.responses import Response

from locum.api.deps import DbReader
from locum.resources.images.repository import image_content

CACHE_FOREVER = "public, max-age=31536000, immutable"
DEFAULT_AVATAR_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">'
    b'<rect width="128" height="128" fill="#6c47ff"/>'
    b'<circle cx="64" cy="50" r="22" fill="#fff"/>'
    b'<path d="M24 112c4-22 20-34 40-34s36 12 40 34z" fill="#fff"/></svg>'
)

router = APIRouter(prefix="/locum/images", tags=["locum"])


@router.get("/default")
async def get_default_avatar() -> Response:
    return Response(DEFAULT_AVATAR_SVG, media_type="image/svg+xml", headers={"cache-control": CACHE_FOREVER})


@router.get("/{image_id}")
async def get_image(image_id: str, reader: DbReader) -> Response:
    content_type, content = await image_content(reader, image_id)
    return Response(content, media_type=content_type, headers={"cache-control": CACHE_FOREVER})
