"""The instance a command acts on: the default one (`locum webhooks`, `locum instances`) or the one
`--instance` names (`locum keys`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from locum.api.errors import not_found
from locum.api.versioning import DEFAULT_VERSION
from locum.app import prepare_database
from locum.db.engine import create_engine, create_sessionmaker
from locum.instances.context import RequestContext
from locum.instances.master_key import open_sealer
from locum.instances.registry import load_instance
from locum.kit.sealing import Sealer
from locum.resources.locum_instances.repository import get_instance
from locum.settings import Settings


@dataclass(frozen=True)
class CommandInstance:
    engine: AsyncEngine
    session: AsyncSession
    sealer: Sealer
    # What the services a command calls know of it: a request from nobody, at the configured origin.
    context: RequestContext


@asynccontextmanager
async def command_instance(settings: Settings, instance_id: str | None = None) -> AsyncIterator[CommandInstance]:
    """A session on the migrated database with the default instance, or the one `instance_id` names
    (resource_not_found if none does); committed when the block ends."""
    engine = create_engine(settings)
    try:
        sealer = await open_sealer(engine, settings)
        keys = await prepare_database(engine, settings, sealer=sealer)
        async with create_sessionmaker(engine)() as session:
            if instance_id is not None and await get_instance(session, instance_id) is None:
                raise not_found("instance")
            instance = await load_instance(session, sealer, instance_id or keys.instance_id)
            context = RequestContext(instance=instance, origin=settings.origin, api_version=DEFAULT_VERSION)
            yield CommandInstance(engine, session, sealer, context)
            await session.commit()
    finally:
        await engine.dispose()
