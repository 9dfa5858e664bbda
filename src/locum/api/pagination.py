"""The one way to page a list: Clerk's limit/offset bounds, counting, a stable order, both envelopes.

Every list operation's query model extends `PageQuery` (and `PaginatedQuery` where Clerk offers
`paginated=true`); its repository pages a statement with `page_of`, whose ORDER BY ends with the
listed model's id in the same direction as the requested order, so rows created in the same
millisecond keep one order across pages. Its service answers with `list_body` (or `list_document`
for pre-rendered JSON): a bare array, or `{data, total_count}` when the operation always wraps or
the caller asked for `paginated=true`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, overload

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.bodies import INT64_MAX
from locum.api.ordering import Ordering
from locum.api.query import query_model
from locum.api.responses import json_array
from locum.kit.json_types import JSON

DEFAULT_LIMIT = 10
MAX_LIMIT = 500
MACHINE_TOKEN_MAX_LIMIT = 100

Item = TypeVar("Item")
# What a list operation answers: `{data, total_count}`, or a bare array.
ListBody = JSON | list[Any]


class PageQuery(BaseModel):
    """limit/offset as Clerk declares them on every list operation."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=INT64_MAX)


class MachineTokenPageQuery(PageQuery):
    """limit/offset of the machine-token lists (/m2m_tokens, /api_keys): at most 100 a page."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MACHINE_TOKEN_MAX_LIMIT)


class PaginatedQuery(PageQuery):
    """A list that answers a bare array unless the caller asks for `paginated=true`."""

    paginated: bool = False


# For operations whose query is only limit/offset.
PageParams = Annotated[PageQuery, query_model(PageQuery)]


@dataclass(frozen=True)
class Page(Generic[Item]):
    items: list[Item]
    total_count: int


def count_of(statement: Select[Any]) -> Select[int]:
    """SELECT count(*) of the rows `statement` returns (its ORDER BY, LIMIT and OFFSET dropped)."""
    return select(func.count()).select_from(statement.order_by(None).limit(None).offset(None).subquery())


def counting(entity: Any) -> Select[int]:
    """SELECT count(*) FROM `entity`, for the caller's WHERE (correlated counts, capacity checks)."""
    return select(func.count()).select_from(entity)


def ordered(statement: Select[Any], ordering: Ordering, column: Any, id_column: Any) -> Select[Any]:
    """`statement` ordered by `column`, ties broken by `id_column` in the same direction."""
    tie_break = id_column.desc() if ordering.descending else id_column.asc()
    return statement.order_by(ordering.apply(column), tie_break)


def window(statement: Select[Any], page: PageQuery) -> Select[Any]:
    return statement.limit(page.limit).offset(page.offset)


def page_rows(
    statement: Select[Any], page: PageQuery, *, ordering: Ordering, column: Any, id_column: Any
) -> Select[Any]:
    """The rows of `statement` on `page`, in order. The page's ids are chosen first, from the
    order's index alone where it holds the id, and only their rows are read: a deep offset skips
    index entries, not rows."""
    page_ids = window(
        ordered(statement.with_only_columns(id_column, maintain_column_froms=True), ordering, column, id_column), page
    )
    return ordered(statement.where(id_column.in_(page_ids)), ordering, column, id_column)


async def page_of(
    session: AsyncSession,
    statement: Select[Any],
    page: PageQuery,
    *,
    ordering: Ordering,
    column: Any,
    id_column: Any,
    count: Select[Any] | None = None,
) -> Page[Any]:
    """One page of `statement`'s rows (scalars) and the count of all of them: `count_of(statement)`,
    or `count` when the caller has a cheaper statement of it (an instance's row count, for a list
    without filters: db/row_counts.py)."""
    total = await session.scalar(count if count is not None else count_of(statement))
    rows = await session.scalars(page_rows(statement, page, ordering=ordering, column=column, id_column=id_column))
    return Page(list(rows), int(total or 0))


async def page_if_asked(
    session: AsyncSession,
    statement: Select[Any],
    query: PaginatedQuery,
    *,
    ordering: Ordering,
    column: Any,
    id_column: Any,
) -> tuple[list[Any], int | None]:
    """`page_of` for a list that answers a bare array unless `paginated=true`: without it, no count."""
    if query.paginated:
        page = await page_of(session, statement, query, ordering=ordering, column=column, id_column=id_column)
        return page.items, page.total_count
    rows = await session.scalars(page_rows(statement, query, ordering=ordering, column=column, id_column=id_column))
    return list(rows), None


@overload
def list_body(items: Sequence[Any], total_count: int) -> JSON: ...
@overload
def list_body(items: Sequence[Any], total_count: None) -> list[Any]: ...
@overload
def list_body(items: Sequence[Any], total_count: int | None) -> ListBody: ...
def list_body(items: Sequence[Any], total_count: int | None) -> ListBody:
    """A bare array, or Clerk's `{data, total_count}` when a total is given."""
    if total_count is None:
        return list(items)
    return {"data": list(items), "total_count": total_count}


def named_list_body(name: str, items: Sequence[Any], total_count: int) -> JSON:
    """`{<name>: [...], total_count}`, for the lists Clerk keys by what they hold (`m2m_tokens`)."""
    return {name: list(items), "total_count": total_count}


def list_document(documents: list[bytes], total_count: int | None) -> bytes:
    """`list_body` for documents already rendered to JSON bytes (joined without re-parsing)."""
    array = json_array(documents)
    if total_count is None:
        return array
    return b'{"data":' + array + b',"total_count":' + str(total_count).encode() + b"}"


def total_count_body(total_count: int) -> JSON:
    """Clerk's `{object: total_count, total_count}` answer to the count operations."""
    return {"object": "total_count", "total_count": total_count}
