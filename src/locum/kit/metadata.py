"""Clerk's metadata rules: PATCH deep-merges (null deletes a key at any depth), PUT replaces."""

from typing import Any

Metadata = dict[str, Any]


def deep_merge(current: Metadata, patch: Metadata) -> Metadata:
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        elif isinstance(value, dict):
            merged[key] = deep_merge({}, value)
        else:
            merged[key] = value
    return merged
