"""Serialization straight to bytes: orjson, Content-Type exactly `application/json` (Clerk's JS SDK
parses JSON only for that exact header value)."""

from typing import Any

import orjson
from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json"


class ClerkJSONResponse(Response):
    media_type = JSON_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return orjson.dumps(content)


def json_array(documents: list[bytes]) -> bytes:
    """Join pre-rendered JSON documents into a JSON array without parsing them."""
    return b"[" + b",".join(documents) + b"]"
