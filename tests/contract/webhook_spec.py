"""Clerk's webhooks OpenAPI document (`x-webhooks`), as a test oracle for the events locum records.

Read from the same shared checkout as the Backend API spec (spec.py), converted the same way
(spec._convert). Every event type's request body is the envelope (WebhookEventPayload) with `data`
of the type's own schema.
"""

import functools
from collections.abc import Mapping
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .spec import _COMPONENTS_URI, SPEC_DIR, _convert, _describe

WEBHOOKS_SPEC_PATH = SPEC_DIR / "webhooks-2025-04-15.yml"


def webhooks_spec_available() -> bool:
    return WEBHOOKS_SPEC_PATH.is_file()


@functools.cache
def load_webhooks_spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with WEBHOOKS_SPEC_PATH.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)


def _with_extensions_merged(schema: Any, components: Mapping[str, Any]) -> Any:
    """`allOf: [{$ref: Base}, {properties: …}]` as the one object schema the spec means.

    The webhooks document extends closed schemas that way (Session + `user`, OrganizationInvitation +
    `data`), which JSON Schema reads as "no extra properties allowed" on the base: its own examples
    would fail. Merging properties and `required` (keeping the base's additionalProperties) checks
    what the spec intends.
    """
    if isinstance(schema, list):
        return [_with_extensions_merged(item, components) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: _with_extensions_merged(value, components) for key, value in schema.items()}
    parts = schema.get("allOf")
    if not parts or len(parts) < 2 or not all(isinstance(part, dict) for part in parts):
        return schema
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for part in parts:
        base = part
        if "$ref" in part:
            base = _with_extensions_merged(components[part["$ref"].rsplit("/", 1)[-1]], components)
        if set(base) - {"type", "properties", "required", "additionalProperties", "description", "nullable"}:
            return schema
        merged["properties"].update(base.get("properties", {}))
        merged["required"] += [name for name in base.get("required", []) if name not in merged["required"]]
        if base.get("additionalProperties") is False:
            merged["additionalProperties"] = False
    rest = {key: value for key, value in schema.items() if key != "allOf"}
    return {**rest, **merged}


@functools.cache
def _registry() -> Registry:
    # A registry of its own: _convert points every $ref at _COMPONENTS_URI, which here holds the
    # webhooks document's components instead of the Backend API's.
    schemas = load_webhooks_spec()["components"]["schemas"]
    merged = {name: _with_extensions_merged(s, schemas) for name, s in schemas.items()}
    root = {"components": {"schemas": {name: _convert(s) for name, s in merged.items()}}}
    return Registry().with_resource(_COMPONENTS_URI, DRAFT202012.create_resource(root))


def event_types() -> list[str]:
    return list(load_webhooks_spec()["x-webhooks"])


def _payload_schema(event_type: str) -> Mapping[str, Any]:
    webhooks = load_webhooks_spec()["x-webhooks"]
    if event_type not in webhooks:
        raise KeyError(f"the webhooks spec has no event type {event_type!r}")
    schema: Mapping[str, Any] = webhooks[event_type]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return schema


def _data_schema(event_type: str) -> Mapping[str, Any]:
    for part in _payload_schema(event_type)["allOf"]:
        data = part.get("properties", {}).get("data")
        if data is not None:
            schema: Mapping[str, Any] = data
            return schema
    raise KeyError(f"the webhooks spec gives no data schema for {event_type!r}")


@functools.cache
def _validator(event_type: str, part: str) -> Draft202012Validator:
    schema = _data_schema(event_type) if part == "data" else _payload_schema(event_type)
    components = load_webhooks_spec()["components"]["schemas"]
    return Draft202012Validator(_convert(_with_extensions_merged(schema, components)), registry=_registry())


def _problems(validator: Draft202012Validator, instance: Any, label: str) -> list[str]:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{label}: {_describe(e)}" for e in errors]


def validate_event_data(event_type: str, data: Any) -> list[str]:
    """Problems with an event's `data` against the type's schema; an empty list means valid."""
    return _problems(_validator(event_type, "data"), data, f"{event_type} data")


def validate_event_payload(payload: Mapping[str, Any]) -> list[str]:
    """Problems with a whole delivered event (envelope and data) against its type's schema."""
    event_type = payload.get("type")
    if not isinstance(event_type, str):
        return [f"event without a type: {payload!r:.200}"]
    return _problems(_validator(event_type, "payload"), payload, event_type)
