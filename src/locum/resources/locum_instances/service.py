"""Several instances in one locum: creating them, listing them, and showing one's keys.

Each instance is a Clerk application environment of its own (its secret and publishable keys,
signing keys, settings and data), isolated from every other one. Creating or listing instances is
the one thing that reaches across them, so only the default instance may (`locum instances` acts
as the default instance; over HTTP, its secret key): any other's context is refused with 403.

A serving process finds a new instance's secret key in the database on its first request
(instances/registry.py), so `locum serve` accepts it at once.
"""

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.pagination import PageQuery, list_body
from locum.instances import service as instances
from locum.instances.context import RequestContext
from locum.instances.registry import load_instance
from locum.kit.json_types import JSON
from locum.kit.jwt_signing import new_private_key_pem
from locum.kit.sealing import Sealer
from locum.resources.locum_instances import repository
from locum.resources.locum_instances.errors import not_default_instance
from locum.resources.locum_instances.serializers import instance_json, instance_keys_json


def _require_default_instance(ctx: RequestContext) -> None:
    if not ctx.instance.is_default:
        raise not_default_instance()


async def create_instance(session: AsyncSession, ctx: RequestContext, sealer: Sealer, *, environment_type: str) -> JSON:
    """A new instance with its own keys, Clerk's default settings and organization roles; returns
    its keys (the only time the secret key is shown over HTTP)."""
    _require_default_instance(ctx)
    # RSA key generation takes ~0.1 s: off the event loop, and before the transaction writes.
    private_key_pem = await asyncio.to_thread(new_private_key_pem)
    keys = await instances.create_instance(
        session, sealer, environment_type=environment_type, private_key_pem=private_key_pem
    )
    row = await repository.existing_instance(session, keys.instance_id)
    created = await load_instance(session, sealer, keys.instance_id)
    return instance_keys_json(row, created, secret_key=keys.secret_key, origin=ctx.origin)


async def instance_keys(session: AsyncSession, ctx: RequestContext, sealer: Sealer) -> JSON:
    """The context's instance with its secret key, publishable key and JWT verification key."""
    row = await repository.existing_instance(session, ctx.instance_id)
    sealed_secret_key = await repository.first_sealed_secret_key(session, ctx.instance_id)
    if sealed_secret_key is None:
        # Every instance is made with a key (instances/service.py): one without is a broken database.
        raise LookupError(f"instance {ctx.instance_id} has no secret key")
    return instance_keys_json(row, ctx.instance, secret_key=sealer.unseal(sealed_secret_key), origin=ctx.origin)


async def list_instances(session: AsyncSession, ctx: RequestContext, *, page: PageQuery) -> JSON:
    """`{data, total_count}`: a page of the instances, oldest first, without their secret keys."""
    _require_default_instance(ctx)
    found = await repository.instances_page(session, page)
    return list_body([instance_json(row) for row in found.items], found.total_count)


async def all_instances(session: AsyncSession, ctx: RequestContext) -> list[JSON]:
    _require_default_instance(ctx)
    return [instance_json(row) for row in await repository.all_instances(session)]
