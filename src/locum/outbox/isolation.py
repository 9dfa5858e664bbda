"""One bad row never stops a queue, nor a page that lists the queue's rows.

Every queue locum has (event fan-out, webhook deliveries, emails) and the admin views of them
follow two rules:

- JSON columns are read as text (`json_text`) and parsed row by row, so a value the JSON library
  cannot read (nested too deep, a number beyond a double: a row written by hand, or by a locum
  that accepted more than it could render) is that row's error instead of a failed query. On
  PostgreSQL the driver would decode jsonb itself, for the whole result at once.
- A batch that fails for a reason nobody foresaw is done again one row at a time
  (`at_once_or_alone`, `each_alone`), each row in a transaction of its own: a row that fails
  alone is logged with its id and marked failed, and the others go on. A failure that says
  nothing about the row (`is_transient`: the database is unreachable, busy or out of room, a
  deadlock) fails no row; the pass stops and the worker tries again later.
"""

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import orjson
from sqlalchemy import ColumnElement, SQLColumnExpression, Text, cast
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from locum.db.failures import is_transient

logger = logging.getLogger("locum.outbox")

ERROR_TEXT_CHARS = 1000
# What orjson raises for JSON it cannot read (JSONDecodeError) or write (JSONEncodeError: nested
# too deep, an integer beyond 64 bits).
RENDERING_ERRORS = (orjson.JSONDecodeError, orjson.JSONEncodeError)

Item = TypeVar("Item")
Result = TypeVar("Result")


def json_text(column: SQLColumnExpression[Any]) -> ColumnElement[str]:
    """A JSON column as its stored text, for parsing row by row."""
    return cast(column, Text)


def storable_text(text: str, limit: int) -> str:
    # PostgreSQL text cannot hold NUL characters, and errors and receivers may contain anything.
    return text.replace("\x00", "")[:limit]


def describe(error: BaseException) -> str:
    """`Type: message`, to store and show with the row it failed (a database error without its SQL)."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    detail = str(error)
    return storable_text(f"{type(error).__name__}: {detail}" if detail else type(error).__name__, ERROR_TEXT_CHARS)


async def at_once_or_alone(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    at_once: Callable[[AsyncSession], Awaitable[Result]],
    alone: Callable[[], Awaitable[Result]],
    what: str,
) -> Result:
    """`at_once(session)` in one transaction; if that fails, and not transiently, `alone()` instead
    (the same work row by row, with each_alone)."""
    try:
        async with sessionmaker() as session, session.begin():
            return await at_once(session)
    except Exception as error:
        if is_transient(error):
            raise
        logger.exception("%s failed; going through its rows one at a time", what)
    return await alone()


async def each_alone(
    sessionmaker: async_sessionmaker[AsyncSession],
    items: Iterable[Item],
    *,
    work: Callable[[AsyncSession, Item], Awaitable[Result]],
    fail: Callable[[AsyncSession, Item, str], Awaitable[None]],
    name: Callable[[Item], str],
) -> list[Result]:
    """`work(session, item)` for each item, each in a transaction of its own; the results of those that worked.

    An item whose work fails is logged as `name(item)` and marked with `fail(session, item, error)`
    in a transaction of its own; if even that fails, it is logged and left for the next pass.
    A transient failure (is_transient) is raised at once.
    """
    results = []
    for item in items:
        try:
            async with sessionmaker() as session, session.begin():
                results.append(await work(session, item))
        except Exception as error:
            if is_transient(error):
                raise
            logger.exception("%s failed on its own; marking it failed", name(item))
            await _mark_failed(sessionmaker, item, describe(error), fail=fail, name=name)
    return results


async def _mark_failed(
    sessionmaker: async_sessionmaker[AsyncSession],
    item: Item,
    error: str,
    *,
    fail: Callable[[AsyncSession, Item, str], Awaitable[None]],
    name: Callable[[Item], str],
) -> None:
    try:
        async with sessionmaker() as session, session.begin():
            await fail(session, item, error)
    except Exception as failure:
        if is_transient(failure):
            raise
        logger.exception("%s could not be marked failed either; it is left for the next pass", name(item))
