"""Clerk's Svix app, played by locum: a per-instance flag, and links to locum's own dashboard.

Clerk keeps one Svix app per instance: creating a second is svix_app_exists, deleting or linking
to a missing one is svix_app_missing. locum delivers webhooks itself, so the "app" is the
instance's `svix_app_enabled` flag; deleting it deletes every endpoint of the instance (with their
deliveries), as deleting a Svix app does. Each flip is one conditional UPDATE, so two concurrent
creations cannot both succeed.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from locum.instances.context import RequestContext
from locum.kit.json_types import JSON
from locum.kit.sealing import Sealer
from locum.resources.svix.errors import svix_app_exists, svix_app_missing
from locum.resources.svix.repository import SvixAppRepository
from locum.resources.webhook_endpoints.dashboard_access import dashboard_url
from locum.resources.webhook_endpoints.service import delete_all_endpoints


def _svix_url(ctx: RequestContext, sealer: Sealer) -> JSON:
    return {"svix_url": dashboard_url(sealer, ctx)}


async def create_svix_app(session: AsyncSession, ctx: RequestContext, *, sealer: Sealer) -> JSON:
    if not await SvixAppRepository(session, ctx.instance_id).set(enabled=True):
        raise svix_app_exists()
    return _svix_url(ctx, sealer)


async def delete_svix_app(session: AsyncSession, ctx: RequestContext) -> None:
    if not await SvixAppRepository(session, ctx.instance_id).set(enabled=False):
        raise svix_app_missing()
    await delete_all_endpoints(session, ctx)


async def generate_svix_auth_url(session: AsyncSession, ctx: RequestContext, *, sealer: Sealer) -> JSON:
    if not await SvixAppRepository(session, ctx.instance_id).exists():
        raise svix_app_missing()
    return _svix_url(ctx, sealer)
