"""Request bodies, parsed one way, and the bounds every body is held to before any service sees it.

The bounds are what lets both databases give the same answer: SQLite stores a megabyte `first_name`,
a NUL character or an integer past 64 bits where PostgreSQL refuses them with an error, and JSON
nested a few hundred levels deep can be stored but never rendered again (orjson stops at 254 levels).
So locum refuses them at the door, with Clerk's error codes:

- the whole JSON body: at most MAX_JSON_BODY_BYTES (413 `request_body_too_large`, answered before the
  body is read whole); an object (an array for bulk operations, never `null`) at most MAX_JSON_DEPTH
  levels deep, with no NUL character in any string or key (422, naming the top-level parameter);
- each field of a ClerkBody: strict types as Clerk's Go service decodes them (no `"yes"` for a boolean,
  no `1.0` for an integer), integers within 64 bits (32 for Int32 fields), strings at most
  MAX_STRING_LENGTH characters unless the field says more, lists at most MAX_LIST_LENGTH items unless
  the field declares its own bound (Clerk's spec gives some lists more, some fewer);
- metadata: at most METADATA_MAX_BYTES of JSON per field, as Clerk documents (8 KB), in a body and
  after a merge into what is stored.
"""

import email.message
import json
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

import orjson
from annotated_types import MaxLen
from fastapi import Body, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException

from locum.api.errors import (
    ARRAY_TOO_LONG,
    METADATA_TOO_LARGE,
    ClerkError,
    form_param_exceeds_allowed_size,
    form_param_format_invalid,
    form_param_value_invalid,
    request_body_invalid,
    validation_errors,
)
from locum.kit.metadata import deep_merge

MAX_JSON_BODY_BYTES = 1024 * 1024
BODY_READ_TIMEOUT_SECONDS = 30
MAX_JSON_DEPTH = 64
# Most text columns are 255 characters; longer fields declare their own bound (LongText).
MAX_STRING_LENGTH = 255
MAX_LONG_TEXT_LENGTH = 64 * 1024
MAX_LIST_LENGTH = 100
METADATA_MAX_BYTES = 8 * 1024
JSON_CONTENT_TYPE = "application/json"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MAX = 2**31 - 1


def _within_metadata_size(value: dict[str, Any]) -> dict[str, Any]:
    if len(orjson.dumps(value)) > METADATA_MAX_BYTES:
        raise PydanticCustomError(
            METADATA_TOO_LARGE, "must not be larger than {limit} bytes as JSON", {"limit": METADATA_MAX_BYTES}
        )
    return value


Metadata = Annotated[dict[str, Any], AfterValidator(_within_metadata_size)]
# Integers stored in 32-bit columns (limits and counts).
Int32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
# Free text, keys and tokens that live in unbounded columns.
LongText = Annotated[str, Field(max_length=MAX_LONG_TEXT_LENGTH)]


class ClerkBody(BaseModel):
    """Base of every JSON request body: unknown fields are refused (form_param_unknown), types are strict."""

    model_config = ConfigDict(extra="forbid", strict=True, str_max_length=MAX_STRING_LENGTH)

    @field_validator("*", mode="before")
    @classmethod
    def _bounded(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, list):
            limit = cls._list_limit(info.field_name)
            if len(value) > limit:
                raise PydanticCustomError(
                    ARRAY_TOO_LONG, "List should have at most {max_length} items", {"max_length": limit}
                )
        if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
            raise PydanticCustomError(
                "less_than_equal", "Input should be between {low} and {high}", {"low": INT64_MIN, "high": INT64_MAX}
            )
        return value

    @classmethod
    def _list_limit(cls, field_name: str | None) -> int:
        """The field's own `max_length` when it declares one, else MAX_LIST_LENGTH."""
        field = cls.model_fields.get(field_name or "")
        declared = [item.max_length for item in field.metadata if isinstance(item, MaxLen)] if field else []
        return declared[0] if declared else MAX_LIST_LENGTH


def merged_metadata(current: dict[str, Any], patch: dict[str, Any], *, param: str) -> dict[str, Any]:
    """`patch` deep-merged into `current` (kit/metadata.py), refused when the result outgrows the size
    a field of metadata may have: merges one at a time could otherwise grow it without bound."""
    merged = deep_merge(current, patch)
    if len(orjson.dumps(merged)) > METADATA_MAX_BYTES:
        raise form_param_exceeds_allowed_size(
            param, f"{param} would be larger than {METADATA_MAX_BYTES} bytes after this merge."
        )
    return merged


def merge_metadata_fields(row: Any, body: BaseModel, fields: Sequence[str]) -> None:
    """A metadata PATCH: each of `fields` the body gives (not null) is deep-merged into the row's."""
    for name in fields:
        patch = getattr(body, name)
        if patch is not None:
            setattr(row, name, merged_metadata(getattr(row, name) or {}, patch, param=name))


def replace_metadata_fields(row: Any, body: BaseModel, fields: Sequence[str]) -> None:
    """A metadata PUT: each of `fields` the body gives (not null) replaces the row's."""
    for name in fields:
        replacement = getattr(body, name)
        if replacement is not None:
            setattr(row, name, replacement)


def check_json_body(body: Any) -> ClerkError | None:
    """Why a parsed JSON body cannot be accepted (None when it can); errors name the top-level parameter.

    Iterative, since orjson parses up to 1,024 levels and Python's recursion limit is lower.
    """
    if not isinstance(body, dict | list):
        return request_body_invalid("The request body must be a JSON object (or an array, for bulk operations).")
    pending: list[tuple[Any, int, str | None]] = [(body, 1, None)]
    while pending:
        value, depth, param = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return _nul_character(param)
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return form_param_value_invalid(
                    param or "body", f"{param} is nested more than {MAX_JSON_DEPTH} levels deep."
                )
            if isinstance(value, list):
                pending.extend((child, depth + 1, param) for child in value)
                continue
            for key, child in value.items():
                if "\x00" in key:
                    return _nul_character(param)
                pending.append((child, depth + 1, param or key))
    return None


def _nul_character(param: str | None) -> ClerkError:
    name = param or "body"
    return form_param_format_invalid(name, f"{name} must not contain NUL characters.")


Parsed = TypeVar("Parsed", bound=ClerkBody)


class RequestBody(Generic[Parsed]):
    """The JSON body as `model` (absent body = `{}`); invalid input is a Clerk form error with
    `invalid_status`. Malformed JSON stays FastAPI's (400 request_body_invalid).

    LocumRoute reads it itself (`read`, api/routing.py): FastAPI's dependency solving costs ~30 µs of
    CPU a request for it. `read` takes the body as FastAPI's request handler does, so both ways in give
    the same answers (tests/api/test_request_body_reading.py compares them)."""

    def __init__(self, model: type[Parsed], *, invalid_status: int) -> None:
        self.model = model
        self.invalid_status = invalid_status

    def parse(self, body: Any) -> Parsed:
        try:
            return self.model.model_validate({} if body is None else body)
        except ValidationError as exc:
            raise validation_errors(exc.errors()).with_status(self.invalid_status) from None

    async def __call__(self, body: Annotated[Any, Body()] = None) -> Parsed:
        # FastAPI's way in, for a route whose body LocumRoute leaves to FastAPI.
        return self.parse(body)

    async def read(self, request: Request) -> Parsed:
        """The body parsed; read failures answered as FastAPI answers them (json_invalid, its 400)."""
        try:
            body = await _json_or_raw_body(request)
        except json.JSONDecodeError as exc:
            error = {
                "type": "json_invalid",
                "loc": ("body", exc.pos),
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": exc.msg},
            }
            raise RequestValidationError([error], body=exc.doc) from exc
        except HTTPException:
            raise
        except Exception as exc:
            raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc
        return self.parse(body)


async def _json_or_raw_body(request: Request) -> Any:
    """What FastAPI's request handler makes of a body: None when empty, parsed JSON when the
    Content-Type says JSON, else the bytes themselves (which no ClerkBody accepts)."""
    body = await request.body()
    if not body:
        return None
    content_type = request.headers.get("content-type")
    if content_type == JSON_CONTENT_TYPE or (content_type and _names_json(content_type)):
        return await request.json()
    return body


def _names_json(content_type: str) -> bool:
    # FastAPI's reading of the header (parameters, case, `+json` suffixes).
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def body_of(model: type[Parsed], *, invalid_status: int = 422) -> Any:
    """`Annotated[Model, body_of(Model)]`: the one way a route takes its JSON body."""
    return Depends(RequestBody(model, invalid_status=invalid_status))
