"""Clerk's `order_by`: one field with an optional `+` (ascending, the default) or `-` prefix."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from locum.api.errors import form_param_value_invalid


@dataclass(frozen=True)
class Ordering:
    field: str
    descending: bool

    def apply(self, column: Any) -> Any:
        ordered = column.desc() if self.descending else column.asc()
        if getattr(getattr(column, "expression", column), "nullable", True) is False:
            return ordered
        # Nulls placed as PostgreSQL (Clerk's database) places them, on every dialect:
        # last when ascending, first when descending.
        return ordered.nulls_first() if self.descending else ordered.nulls_last()


# The order of lists Clerk gives no order_by: newest first.
NEWEST_FIRST = Ordering(field="created_at", descending=True)


def parse_order_by(value: str | None, allowed: Mapping[str, Any], default: str) -> Ordering:
    """Parse against a per-resource allow-list; an unknown field is Clerk's 422."""
    raw = (value or default).strip()
    descending = raw.startswith("-")
    name = raw[1:] if raw[:1] in "+-" else raw
    if name not in allowed:
        raise form_param_value_invalid(
            "order_by", f"order_by must be one of {', '.join(sorted(allowed))}, optionally prefixed with + or -."
        )
    return Ordering(field=name, descending=descending)
