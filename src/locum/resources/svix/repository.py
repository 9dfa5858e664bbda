"""The instance's Svix app, which locum keeps as the instance's `svix_app_enabled` flag.

Not an InstanceRepository: the flag is a column of the instance's own row, found by its id.
"""

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Instance
from locum.kit.clock import now_ms


class SvixAppRepository:
    def __init__(self, session: AsyncSession, instance_id: str) -> None:
        self.session = session
        self.instance_id = instance_id

    async def exists(self) -> bool:
        return bool(await self.session.scalar(select(Instance.svix_app_enabled).where(Instance.id == self.instance_id)))

    async def set(self, *, enabled: bool) -> bool:
        """Flip the flag to `enabled` in one conditional UPDATE; False when it already was."""
        flipped = await self.session.scalar(
            update(Instance)
            .where(Instance.id == self.instance_id, Instance.svix_app_enabled.is_(not enabled))
            .values(svix_app_enabled=enabled, updated_at=now_ms())
            .returning(Instance.id)
        )
        return flipped is not None
