"""limit/offset as Clerk declares them, and the two list envelopes (bare array or {data,total_count})."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from locum.api.bodies import INT64_MAX

DEFAULT_LIMIT = 10
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


async def _page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
) -> Page:
    return Page(limit=limit, offset=offset)


PageParams = Annotated[Page, Depends(_page)]
