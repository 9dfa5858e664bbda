"""Case-insensitive substring search, as Clerk's `query` filters do it, written once.

LIKE wildcards in the searched text are escaped, so `100%` finds "100%" and not everything.
"""

from typing import Any

from sqlalchemy import BindParameter, ColumnElement, func

LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """The LIKE pattern matching `text` anywhere, lowercased (compare with func.lower(column))."""
    escaped = text.lower().replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: Any, text: str | BindParameter[Any]) -> ColumnElement[bool]:
    """`column` contains `text`, ignoring case; `text` may be a bind parameter holding a contains_pattern."""
    pattern = contains_pattern(text) if isinstance(text, str) else text
    result: ColumnElement[bool] = func.lower(column).like(pattern, escape=LIKE_ESCAPE)
    return result
