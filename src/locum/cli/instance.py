"""The default instance, for the commands that act on it (`locum keys`, `locum webhooks`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.versioning import DEFAULT_VERSION
from locum.app import prepare_database
from locum.db.engine import create_engine, create_sessionmaker
from locum.instances.context import RequestContext
from locum.instances.master_key import open_sealer
from locum.instances.registry import load_instance
from locum.instances.service import InstanceKeys
from locum.kit.sealing import Sealer
from locum.settings import Settings


@dataclass(frozen=True)
class DefaultInstance:
    session: AsyncSession
    sealer: Sealer
    keys: InstanceKeys
    # What the services a command calls know of it: a request from nobody, at the configured origin.
    context: RequestContext


@asynccontextmanager
async def default_instance(settings: Settings) -> AsyncIterator[DefaultInstance]:
    """A session on the migrated database with the default instance; committed when the block ends."""
    engine = create_engine(settings)
    try:
        sealer = await open_sealer(engine, settings)
        keys = await prepare_database(engine, settings, sealer=sealer)
        async with create_sessionmaker(engine)() as session:
            instance = await load_instance(session, sealer, keys.instance_id)
            context = RequestContext(instance=instance, origin=settings.origin, api_version=DEFAULT_VERSION)
            yield DefaultInstance(session, sealer, keys, context)
            await session.commit()
    finally:
        await engine.dispose()
