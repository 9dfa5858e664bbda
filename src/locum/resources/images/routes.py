"""Uploaded images served back at the URLs locum returns (`image_url`).

Public, as Clerk's image CDN is: browsers load these without a secret key, and ids are unguessable.
"""

from fastapi import APIRouter, Request
from sqlalchemy import bindparam, select
from starlette.responses import Response

from locum.api.errors import not_found
from locum.db.models import Image
from locum.db.reads import Reader
from locum.db.scoping import across_instances

CACHE_FOREVER = "public, max-age=31536000, immutable"
DEFAULT_AVATAR_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">'
    b'<rect width="128" height="128" fill="#6c47ff"/>'
    b'<circle cx="64" cy="50" r="22" fill="#fff"/>'
    b'<path d="M24 112c4-22 20-34 40-34s36 12 40 34z" fill="#fff"/></svg>'
)

router = APIRouter(prefix="/locum/images", tags=["locum"])

# Image URLs are public and carry no instance: the random id is the capability.
IMAGE_BY_ID = across_instances(select(Image.content_type, Image.content).where(Image.id == bindparam("image_id")))


@router.get("/default")
async def get_default_avatar() -> Response:
    return Response(DEFAULT_AVATAR_SVG, media_type="image/svg+xml", headers={"cache-control": CACHE_FOREVER})


@router.get("/{image_id}")
async def get_image(image_id: str, request: Request) -> Response:
    reader: Reader = request.app.state.reader
    rows = await reader.fetch_by_key(reader.prepared(IMAGE_BY_ID), {"image_id": image_id})
    if not rows:
        raise not_found("image")
    content_type, content = rows[0]
    return Response(bytes(content), media_type=content_type, headers={"cache-control": CACHE_FOREVER})
