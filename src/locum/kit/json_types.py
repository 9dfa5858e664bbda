"""The JSON document type every serializer returns, and the one way a serializer copies columns."""

from typing import Any

JSON = dict[str, Any]


def columns(row: Any, *names: str) -> JSON:
    """`{name: row.name}` for each of `names`: the fields Clerk names as locum's columns are named."""
    return {name: getattr(row, name) for name in names}
