"""Database errors without the values they were about: errors get logged, and the values are emails,
password digests and sealed secrets.

SQLAlchemy leaves a statement's parameters out of its messages (create_engine's hide_parameters).
What remains is the driver's text: PostgreSQL's DETAIL repeats the duplicate key or the whole
failing row ("Failing row contains (…)" on a NOT NULL violation), and a few messages quote the value
they refused. `redact` strips both from an exception and the exceptions it was raised from, in
place, so every later reader (a log line, a traceback, uvicorn's own report) sees only the kind of
error, the constraint, table and column. SQLite's messages name columns, never values.
"""

import re
import sys

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

VALUE_HIDDEN = "(value hidden)"
_VALUES_IN_MESSAGES = (
    # PostgreSQL's DETAIL, as drivers append it to the message
    (re.compile(r"\nDETAIL:.*", re.DOTALL), ""),
    # asyncpg encoding a parameter: invalid input for query argument $3: 'abc' (…)
    (re.compile(r"(invalid input for query argument \$\d+[^:]*): .*", re.DOTALL), rf"\1: {VALUE_HIDDEN}"),
    # invalid input syntax for type integer: "abc"
    (re.compile(r"(invalid input (?:syntax|value) for [^:]*): .*", re.DOTALL), rf"\1: {VALUE_HIDDEN}"),
    # value "99999999999" is out of range for type integer
    (re.compile(r'value ".*" is out of range', re.DOTALL), f"value {VALUE_HIDDEN} is out of range"),
)


def _without_values(text: str) -> str:
    for pattern, replacement in _VALUES_IN_MESSAGES:
        text = pattern.sub(replacement, text)
    return text


def _is_asyncpg_error(error: BaseException) -> bool:
    # Only a process that imported asyncpg (PostgreSQL) can hold its errors: SQLite never loads it.
    asyncpg = sys.modules.get("asyncpg")
    return asyncpg is not None and isinstance(error, asyncpg.PostgresError)


def redact(error: BaseException) -> None:
    """Remove the values from `error` and from the chain of exceptions it was raised from."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_asyncpg_error(current):
            # asyncpg renders `detail` into the message every time it is printed.
            current.detail = None  # type: ignore[attr-defined]  # an asyncpg.PostgresError's
        current.args = tuple(_without_values(arg) if isinstance(arg, str) else arg for arg in current.args)
        current = current.__cause__ or current.__context__


def redact_errors(engine: AsyncEngine) -> None:
    """Redact every error `engine` raises before SQLAlchemy raises it."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        redact(context.original_exception)
        if context.sqlalchemy_exception is not None:
            redact(context.sqlalchemy_exception)
