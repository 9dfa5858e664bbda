"""Clerk's Backend API OpenAPI document, as a test oracle for locum's responses.

The document is read from the shared checkout (never copied into this repo): the directory is
`$LOCUM_CLERK_SPEC_DIR`, else `<repo root>/../shared/clerk-spec`, else a cache filled from Clerk's
public repository at a pinned commit (spec_source.py; the root conftest fills it before collection).

Response bodies are validated with JSON Schema 2020-12 after converting the OpenAPI 3.0 schemas
(see `_convert`). `additionalProperties: false` is kept as is: a field the spec does not declare
is a bug in locum, not noise.
"""

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .deviations import DEVIATIONS, Deviation, undeclared_errors
from .spec_source import spec_directory

_REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = spec_directory(_REPO_ROOT)
SPEC_PATH = SPEC_DIR / "bapi-2025-11-10.yml"

_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Base URI of the converted components; the spec's local refs ("#/components/...") are
# rewritten against it so every response schema resolves through one registry.
_COMPONENTS_URI = "urn:clerk-bapi"
# OpenAPI-only or annotation keywords. `format` is dropped so that no format is ever asserted.
_DROPPED_KEYWORDS = {"nullable", "discriminator", "example", "examples", "readOnly", "writeOnly", "format"}


def spec_available() -> bool:
    return SPEC_PATH.is_file()


@functools.cache
def load_spec() -> dict[str, Any]:
    # The document is ~700 KB: parse it once per process, with libyaml when present.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    statuses: frozenset[str]
    pattern: re.Pattern[str]

    @property
    def specificity(self) -> tuple[bool, ...]:
        # Literal segments beat parameters, earlier segments first: /users/count over /users/{user_id}.
        return tuple(not segment.startswith("{") for segment in self.path.split("/"))


def _path_pattern(template: str) -> re.Pattern[str]:
    segments = ("[^/]+" if s.startswith("{") else re.escape(s) for s in template.split("/"))
    return re.compile("/".join(segments))


@functools.cache
def _operations() -> tuple[Operation, ...]:
    return tuple(
        Operation(
            method=method.upper(),
            path=path,
            operation_id=op["operationId"],
            statuses=frozenset(str(status) for status in op["responses"]),
            pattern=_path_pattern(path),
        )
        for path, item in load_spec()["paths"].items()
        for method, op in item.items()
        if method in _HTTP_METHODS
    )


def operations() -> list[Operation]:
    return list(_operations())


@functools.cache
def _operations_by_shape() -> dict[tuple[str, int], list[Operation]]:
    """Operations by (method, number of path segments), most specific first: a request path can
    only match templates with as many segments, and every test response is matched."""
    shapes: dict[tuple[str, int], list[Operation]] = {}
    for op in sorted(_operations(), key=lambda op: op.specificity, reverse=True):
        shapes.setdefault((op.method, op.path.count("/")), []).append(op)
    return shapes


def match_operation(method: str, path: str) -> Operation | None:
    """The operation serving a concrete request path, with or without the `/v1` prefix."""
    path = path.split("?", 1)[0]
    if path.startswith("/v1/"):
        path = path[len("/v1") :]
    candidates = _operations_by_shape().get((method.upper(), path.count("/")), [])
    return next((op for op in candidates if op.pattern.fullmatch(path)), None)


def _convert(schema: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0 schema object -> JSON Schema 2020-12."""
    if "oneOf" in schema and "anyOf" in schema:
        raise ValueError("schema has both oneOf and anyOf; mapping oneOf to anyOf would lose one")
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED_KEYWORDS or key.startswith("x-"):
            continue
        if key == "$ref":
            out[key] = _COMPONENTS_URI + value
        elif key == "properties":
            out[key] = {name: _convert(sub) for name, sub in value.items()}
        elif key in ("items", "not", "additionalProperties") and isinstance(value, dict):
            out[key] = _convert(value)
        elif key in ("allOf", "anyOf"):
            out[key] = [_convert(sub) for sub in value]
        elif key == "oneOf":
            # oneOf is checked as anyOf: the JWKS key union overlaps (JWKS.*.PublicKey allows extra
            # properties, so every ed25519/ecdsa private key also matches its public-key member and
            # oneOf would reject valid keys). Every other oneOf here is a discriminated union whose
            # members have additionalProperties: false and disjoint required `strategy`/`object`
            # values (verification_*, Token/Cookies) or a single member, where anyOf is equivalent.
            out["anyOf"] = [_convert(sub) for sub in value]
        else:
            out[key] = value
    if schema.get("nullable"):
        # Wrapping (rather than adding "null" to `type`) keeps null valid next to $ref, allOf,
        # oneOf and enum, whose members would otherwise reject it.
        return {"anyOf": [{"type": "null"}, out]}
    return out


@functools.cache
def _registry() -> Registry:
    schemas = load_spec()["components"]["schemas"]
    root = {"components": {"schemas": {name: _convert(s) for name, s in schemas.items()}}}
    return Registry().with_resource(_COMPONENTS_URI, DRAFT202012.create_resource(root))


def _deviation(operation_id: str, status: int) -> Deviation | None:
    return next((d for d in DEVIATIONS if d.operation_id == operation_id and d.actual_status == status), None)


def _replaced(operation_id: str, status: int) -> Deviation | None:
    """The deviation under which Clerk does not really answer `status` where the spec says it does."""
    return next(
        (
            d
            for d in DEVIATIONS
            if d.operation_id == operation_id and d.spec_status == status and d.actual_status != status
        ),
        None,
    )


@functools.cache
def _validator(operation: Operation, spec_status: str, deviation: Deviation | None) -> Draft202012Validator | None:
    """Validator for the JSON body, or None when the response has no JSON body."""
    if deviation is not None and deviation.schema is not None:
        schema = deviation.schema
    else:
        spec_schema = _response_schema(operation, spec_status)
        if spec_schema is None:
            return None
        schema = spec_schema
    return Draft202012Validator(_convert(schema), registry=_registry())


def _response_schema(operation: Operation, spec_status: str) -> Mapping[str, Any] | None:
    response = load_spec()["paths"][operation.path][operation.method.lower()]["responses"][spec_status]
    if "$ref" in response:
        response = load_spec()["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    media = (response.get("content") or {}).get("application/json")
    return None if media is None else media["schema"]


@functools.cache
def _paginated_validator(operation: Operation) -> Draft202012Validator | None:
    """The envelope Clerk's SDKs expect from a bare-array list asked for with `paginated=true`
    ({data, total_count}, CLERK-NOTES §3); None when the operation's 200 is not a bare array."""
    schema = _response_schema(operation, "200")
    if schema is None or schema.get("type") != "array":
        return None
    envelope = {
        "type": "object",
        "additionalProperties": False,
        "required": ["data", "total_count"],
        "properties": {"data": schema, "total_count": {"type": "integer"}},
    }
    return Draft202012Validator(_convert(envelope), registry=_registry())


@functools.cache
def _clerk_errors_validator() -> Draft202012Validator:
    return Draft202012Validator(_convert({"$ref": "#/components/schemas/ClerkErrors"}), registry=_registry())


def _cause(error: ValidationError) -> ValidationError:
    """The specific reason behind an anyOf failure ("not valid under any of the given schemas").

    Every nullable field and every union is an anyOf. Descend into the branch that came closest
    to matching (fewest errors, ignoring the null branch added for `nullable`) while there is one.
    """
    while error.validator == "anyOf":
        branches: dict[int, list[ValidationError]] = {}
        for sub in error.context:
            if sub.schema != {"type": "null"}:
                branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        fewest = min(map(len, branches.values()), default=0)
        closest = [errors for errors in branches.values() if len(errors) == fewest]
        if len(closest) != 1:
            break
        error = best_match(closest[0])
    return error


def _describe(error: ValidationError) -> str:
    cause = _cause(error)
    where = "/".join(str(p) for p in cause.absolute_path) or "<body>"
    return f"{where}: {cause.message}"


def validate_response(method: str, path: str, status: int, body: Any, *, paginated: bool = False) -> list[str]:
    """Problems with a response against the spec and DEVIATIONS; an empty list means valid.

    `body` is the decoded JSON body, or None when the response has none; `paginated` says the
    request asked a bare-array list for Clerk's {data, total_count} envelope.
    """
    operation = match_operation(method, path)
    if operation is None:
        return [f"no operation in the spec for {method.upper()} {path}"]
    label = f"{operation.operation_id} ({operation.method} {operation.path}) {status}"
    replaced = _replaced(operation.operation_id, status)
    if replaced is not None:
        return [f"{label}: Clerk really answers {replaced.actual_status} here: {replaced.reason}"]
    deviation = _deviation(operation.operation_id, status)
    spec_status = str(deviation.spec_status if deviation is not None else status)
    if spec_status not in operation.statuses:
        entries = undeclared_errors(operation.operation_id, status)
        if not entries:
            return [f"{label}: status not declared (declared: {', '.join(sorted(operation.statuses))})"]
        problems = [f"{label}: {_describe(e)}" for e in _clerk_errors_validator().iter_errors(body)]
        codes = {error.get("code") for error in body.get("errors", [])} if isinstance(body, dict) else set()
        allowed: set[str] = set()
        for entry in entries:
            if entry.codes is None:
                return problems
            allowed |= entry.codes
        if not problems and not codes <= allowed:
            problems.append(f"{label}: undeclared status with codes {sorted(codes)}, allowed {sorted(allowed)}")
        return problems
    validator = _validator(operation, spec_status, deviation)
    if paginated and status == 200 and _paginated_validator(operation) is not None:
        validator = _paginated_validator(operation)
    if validator is None and status >= 400:
        # Some error statuses are declared without content, yet Clerk always sends its envelope.
        validator = _clerk_errors_validator()
    if validator is None:
        return [] if body is None else [f"{label}: the spec declares no JSON body, got {body!r:.200}"]
    errors = sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{label}: {_describe(e)}" for e in errors]
