"""The framework's ceiling: FastAPI returning a user's JSON document as bytes, no database.

`app` sends the file CEILING_DOCUMENT_FILE names (users_read.py saves there the bytes locum returns for
one of its users, so both servers send the same bytes), else a user-sized placeholder."""

import os
from pathlib import Path

import orjson
from fastapi import FastAPI
from starlette.responses import Response

PLACEHOLDER = orjson.dumps({"id": "user_x", "object": "user", "padding": "x" * 1800})


def create_ceiling_app(document: bytes) -> FastAPI:
    ceiling = FastAPI()

    @ceiling.get("/v1/users/{user_id}")
    async def get_user(user_id: str) -> Response:
        return Response(document, media_type="application/json")

    return ceiling


DOCUMENT_FILE = os.environ.get("CEILING_DOCUMENT_FILE")
app = create_ceiling_app(Path(DOCUMENT_FILE).read_bytes() if DOCUMENT_FILE else PLACEHOLDER)
