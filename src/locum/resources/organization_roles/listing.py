"""The list query both operations share: exact id or partial name/key match, one ordering, one page."""

from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.ordering import parse_order_by
from locum.db.models import Permission, Role
from locum.db.text_search import contains
from locum.resources.organization_roles.schemas import RoleListParams

Listed = TypeVar("Listed", Role, Permission)

DEFAULT_ORDER = "-created_at"


async def list_page(
    session: AsyncSession, model: type[Listed], *, instance_id: str, params: RoleListParams, options: Any = ()
) -> tuple[list[Listed], int]:
    """One page of `model` rows and the total count matching the filters."""
    columns = {"created_at": model.created_at, "name": model.name, "key": model.key}
    ordering = parse_order_by(params.order_by, columns, DEFAULT_ORDER)
    conditions = [model.instance_id == instance_id]
    if params.query:
        conditions.append(
            or_(model.id == params.query, contains(model.name, params.query), contains(model.key, params.query))
        )
    total = await session.scalar(select(func.count()).select_from(model).where(*conditions))
    # Rows created in the same millisecond (the instance defaults) keep a stable order through the id.
    tiebreak = model.id.desc() if ordering.descending else model.id.asc()
    rows = await session.scalars(
        select(model)
        .where(*conditions)
        .order_by(ordering.apply(columns[ordering.field]), tiebreak)
        .limit(params.limit)
        .offset(params.offset)
        .options(*options)
    )
    return list(rows), int(total or 0)
