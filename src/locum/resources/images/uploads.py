"""Image uploads (profile images, organization logos): reading a multipart upload within Clerk's
limits and checking it decodes.

The upload is counted while it streams, so a client can never make locum hold more than the limit
plus a little multipart framing; the declared content type is ignored and the format is whatever
Pillow finds in the bytes.
"""

import io
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

from fastapi import Request
from PIL import Image as PillowImage
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from locum.api.errors import ClerkError, form_param_missing, image_too_large, request_body_invalid

MAX_IMAGE_BYTES = 10 * 1024 * 1024
# Room for the part headers and boundaries around the file in a multipart body.
MULTIPART_FRAMING_BYTES = 64 * 1024
MAX_BODY_BYTES = MAX_IMAGE_BYTES + MULTIPART_FRAMING_BYTES
# Decoding allocates width*height*4 bytes at most; this bounds it (~200 MB) while still admitting
# 48-megapixel camera photos. Clerk documents no pixel limit.
MAX_PIXELS = 50_000_000
MAX_FORM_FIELDS = 8
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass(frozen=True)
class DecodedImage:
    content_type: str
    width: int
    height: int
    content: bytes


def not_an_image() -> ClerkError:
    return request_body_invalid("The file must be a JPEG, PNG, GIF or WebP image.")


def decode_image(content: bytes) -> DecodedImage:
    """Decode the whole image, so truncated or corrupt files are refused, not just bad headers."""
    # Pillow's decoders raise many exception types on hostile input (OSError, SyntaxError,
    # ValueError, struct.error, …); any of them means "not an image we accept".
    try:
        image = PillowImage.open(io.BytesIO(content), formats=list(CONTENT_TYPES))
    except Exception:
        raise not_an_image() from None
    with image:
        if image.width * image.height > MAX_PIXELS:
            raise request_body_invalid(f"The image must not have more than {MAX_PIXELS} pixels.")
        try:
            image.load()
        except Exception:
            raise not_an_image() from None
        return DecodedImage(CONTENT_TYPES[str(image.format)], image.width, image.height, content)


async def _capped(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > limit:
            raise image_too_large(MAX_IMAGE_BYTES)
        yield chunk


def _is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower() == "multipart/form-data"


def _has_no_body(request: Request) -> bool:
    """What an SDK sends when it is given no file: no body at all."""
    return request.headers.get("content-length", "0") == "0" and "transfer-encoding" not in request.headers


async def _read_file_part(request: Request, field: str) -> bytes:
    declared_length = request.headers.get("content-length", "")
    if declared_length.isdigit() and int(declared_length) > MAX_BODY_BYTES:
        raise image_too_large(MAX_IMAGE_BYTES)
    parser = MultiPartParser(
        request.headers, _capped(request.stream(), MAX_BODY_BYTES), max_files=1, max_fields=MAX_FORM_FIELDS
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise request_body_invalid(f"The multipart body is invalid: {exc.message}") from None
    try:
        upload = form.get(field)
        if upload is None:
            raise form_param_missing(field, status=400)
        if not isinstance(upload, UploadFile):
            raise request_body_invalid(f"{field} must be a file upload.")
        if (upload.size or 0) > MAX_IMAGE_BYTES:
            raise image_too_large(MAX_IMAGE_BYTES)
        return await upload.read()
    finally:
        await form.close()


async def read_image_upload(request: Request, *, field: str = "file") -> DecodedImage:
    """The image in multipart field `field`, decoded off the event loop."""
    if not _is_multipart(request):
        if _has_no_body(request):
            raise form_param_missing(field, status=400)
        raise request_body_invalid(f"The request body must be multipart/form-data with a {field} file.")
    content = await _read_file_part(request, field)
    return await run_in_threadpool(decode_image, content)
