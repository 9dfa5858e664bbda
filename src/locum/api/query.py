"""Query strings parsed into one Pydantic model per operation.

FastAPI validates each declared query parameter separately, which costs more than the database
read on list endpoints with two dozen filters; one model validation is a fraction of that. Array
parameters come as repeated keys (`email_address=a&email_address=b`), as Clerk's SDKs send them.
Validation errors surface as FastAPI's, so they get Clerk's envelope like any other.
"""

from collections.abc import Sequence
from typing import Any, TypeVar, get_origin

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from locum.api.bodies import INT64_MAX, INT64_MIN
from locum.api.deps import QueryValue
from locum.api.errors import too_many_filter_values, validation_errors

QueryModel = TypeVar("QueryModel", bound=BaseModel)


def _is_list(model: type[BaseModel], name: str) -> bool:
    annotation = model.model_fields[name].annotation
    return get_origin(annotation) is list


def parse_query(model: type[QueryModel], request: Request) -> QueryModel:
    params = request.query_params
    raw: dict[str, Any] = {}
    for name in model.model_fields:
        if name in params:
            raw[name] = params.getlist(name) if _is_list(model, name) else params[name]
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("query", *error["loc"])} for error in exc.errors(include_url=False)]
        ) from exc
    out_of_range = [_out_of_range(name, value) for name, value in parsed if _is_beyond_64_bits(value)]
    if out_of_range:
        raise RequestValidationError(out_of_range)
    return parsed


def _is_beyond_64_bits(value: Any) -> bool:
    # Both databases hold 64-bit integers at most; a larger offset or timestamp would fail in the driver.
    values = value if isinstance(value, list) else [value]
    return any(isinstance(item, int) and not INT64_MIN <= item <= INT64_MAX for item in values)


def _out_of_range(name: str, value: Any) -> dict[str, Any]:
    return {
        "type": "less_than_equal",
        "loc": ("query", name),
        "msg": f"Input should be between {INT64_MIN} and {INT64_MAX}",
        "input": value,
    }


def query_model(model: type[QueryModel], *, invalid_status: int | None = None) -> Any:
    """`Annotated[Model, query_model(Model)]`: a dependency parsing the query string into `model`.

    Invalid parameters are Clerk's form errors (422), or with `invalid_status` the same errors with
    that status (the machine-auth operations declare 400)."""

    def parse(request: Request) -> QueryModel:
        try:
            return parse_query(model, request)
        except RequestValidationError as exc:
            if invalid_status is None:
                raise
            raise validation_errors(exc.errors()).with_status(invalid_status) from None

    return Depends(QueryValue(parse))


def split_signed(values: Sequence[str]) -> tuple[list[str], list[str]]:
    """Clerk's signed filter values: `+value`/`value` include, `-value` exclude. A `+` left unencoded
    in a query string arrives as a space, so a leading space counts as `+` too."""
    include, exclude = [], []
    for raw in values:
        value = raw.strip()
        if value.startswith("-"):
            exclude.append(value[1:])
        else:
            include.append(value.removeprefix("+"))
    return include, exclude


def check_filter_sizes(filters: BaseModel, limit: int) -> None:
    """Refuse (form_param_array_size_exceeded) a list filter of `filters` holding more than `limit` values."""
    for name in type(filters).model_fields:
        values = getattr(filters, name)
        if isinstance(values, list) and len(values) > limit:
            raise too_many_filter_values(name, limit)
