"""The framework's ceiling: FastAPI returning a user's JSON document as bytes, no database.

The document is the file CEILING_DOCUMENT_FILE names (users_read.py saves the bytes locum returns for
one of its users there, so both servers send the same bytes), else a user-sized placeholder."""

import os
from pathlib import Path

import orjson
from fastapi import FastAPI
from starlette.responses import Response

DOCUMENT_FILE = os.environ.get("CEILING_DOCUMENT_FILE")
DOCUMENT = (
    Path(DOCUMENT_FILE).read_bytes()
    if DOCUMENT_FILE
    else orjson.dumps({"id": "user_x", "object": "user", "padding": "x" * 1800})
)

app = FastAPI()


@app.get("/v1/users/{user_id}")
async def get_user(user_id: str) -> Response:
    return Response(DOCUMENT, media_type="application/json")
