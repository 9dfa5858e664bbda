"""Queries on the instances themselves: the table every other one is scoped by, so these span it."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.ordering import Ordering
from locum.api.pagination import Page, PageQuery, page_of
from locum.db.models import Instance, InstanceSecretKey

OLDEST_FIRST = Ordering("created_at", descending=False)


async def get_instance(session: AsyncSession, instance_id: str) -> Instance | None:
    return await session.get(Instance, instance_id)


async def existing_instance(session: AsyncSession, instance_id: str) -> Instance:
    """The row of an instance known to exist (the caller's, or one just created)."""
    return await session.get_one(Instance, instance_id)


async def instances_page(session: AsyncSession, page: PageQuery) -> Page[Instance]:
    """A page of every instance, oldest (the default, made by the first `locum serve`) first."""
    return await page_of(
        session, select(Instance), page, ordering=OLDEST_FIRST, column=Instance.created_at, id_column=Instance.id
    )


async def all_instances(session: AsyncSession) -> list[Instance]:
    return list(await session.scalars(select(Instance).order_by(Instance.created_at, Instance.id)))


async def first_sealed_secret_key(session: AsyncSession, instance_id: str) -> bytes | None:
    """The instance's oldest secret key, sealed (the one it was created with, or LOCUM_SECRET_KEY's)."""
    return await session.scalar(
        select(InstanceSecretKey.sealed_key)
        .where(InstanceSecretKey.instance_id == instance_id)
        .order_by(InstanceSecretKey.created_at, InstanceSecretKey.id)
        .limit(1)
    )
