"""The framework's ceiling: FastAPI returning a user-sized JSON document as bytes, no database."""

import orjson
from fastapi import FastAPI
from starlette.responses import Response

DOCUMENT = orjson.dumps({"id": "user_x", "object": "user", "padding": "x" * 1800})

app = FastAPI()


@app.get("/v1/users/{user_id}")
async def get_user(user_id: str) -> Response:
    return Response(DOCUMENT, media_type="application/json")
