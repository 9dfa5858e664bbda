"""Clerk's Svix app, played by locum: a per-instance flag, and links to locum's own dashboard.

Clerk keeps one Svix app per instance: creating a second is svix_app_exists, deleting or linking
to a missing one is svix_app_missing. locum delivers webhooks itself, so the "app" is the
instance's `svix_app_enabled` flag; deleting it deletes every endpoint of the instance (with their
deliveries), as deleting a Svix app does. Each flip is one conditional UPDATE, so two concurrent
creations cannot both succeed.
"""

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import ClerkError
from locum.db.models import Instance
from locum.kit.clock import now_ms
from locum.kit.sealing import Sealer
from locum.resources.webhook_endpoints.dashboard_access import dashboard_url
from locum.resources.webhook_endpoints.service import delete_all_endpoints

JSON = dict[str, str]


def svix_app_exists() -> ClerkError:
    return ClerkError(
        400, "svix_app_exists", "Svix app already exists", "A Svix app is already associated with this instance."
    )


def svix_app_missing() -> ClerkError:
    return ClerkError(400, "svix_app_missing", "Svix app is missing", "No Svix app is associated with this instance.")


async def _set_svix_app(db: AsyncSession, *, instance_id: str, enabled: bool) -> bool:
    """Flip the flag to `enabled`; False when it already was."""
    flipped = await db.scalar(
        update(Instance)
        .where(Instance.id == instance_id, Instance.svix_app_enabled.is_(not enabled))
        .values(svix_app_enabled=enabled, updated_at=now_ms())
        .returning(Instance.id)
    )
    return flipped is not None


async def create_svix_app(db: AsyncSession, sealer: Sealer, *, instance_id: str, origin: str) -> JSON:
    if not await _set_svix_app(db, instance_id=instance_id, enabled=True):
        raise svix_app_exists()
    return {"svix_url": dashboard_url(sealer, origin=origin, instance_id=instance_id)}


async def delete_svix_app(db: AsyncSession, *, instance_id: str) -> None:
    if not await _set_svix_app(db, instance_id=instance_id, enabled=False):
        raise svix_app_missing()
    await delete_all_endpoints(db, instance_id=instance_id)


async def generate_svix_auth_url(db: AsyncSession, sealer: Sealer, *, instance_id: str, origin: str) -> JSON:
    if not await db.scalar(select(Instance.svix_app_enabled).where(Instance.id == instance_id)):
        raise svix_app_missing()
    return {"svix_url": dashboard_url(sealer, origin=origin, instance_id=instance_id)}
