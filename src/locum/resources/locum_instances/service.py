"""Several instances in one locum: creating them, listing them, and showing one's keys.

Each instance is a Clerk application environment of its own (its secret and publishable keys,
signing keys, settings and data), isolated from every other one. Creating or listing instances is
the one thing that reaches across them, so over HTTP only the default instance's secret key may
do it (`require_default_instance`); `locum instances` acts on the database directly.

A serving process finds a new instance's secret key in the database on its first request
(instances/registry.py), so `locum serve` accepts it at once.
"""

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from locum.api.errors import not_found
from locum.api.pagination import PageQuery
from locum.db.models import Instance
from locum.instances import service as instances
from locum.instances.context import RequestContext
from locum.instances.registry import load_instance
from locum.kit.json_types import JSON
from locum.kit.jwt_signing import new_private_key_pem
from locum.kit.sealing import Sealer
from locum.resources.locum_instances import repository
from locum.resources.locum_instances.errors import not_default_instance
from locum.resources.locum_instances.serializers import instance_json, instance_keys_json


def require_default_instance(ctx: RequestContext) -> None:
    if not ctx.instance.is_default:
        raise not_default_instance()


async def create_instance(session: AsyncSession, sealer: Sealer, *, environment_type: str, api_url: str) -> JSON:
    """A new instance with its own keys, Clerk's default settings and organization roles; returns
    its keys (the only time the secret key is shown over HTTP)."""
    # RSA key generation takes ~0.1 s: off the event loop, and before the transaction writes.
    private_key_pem = await asyncio.to_thread(new_private_key_pem)
    keys = await instances.create_instance(
        session, sealer, environment_type=environment_type, private_key_pem=private_key_pem
    )
    return await instance_keys(session, sealer, instance_id=keys.instance_id, api_url=api_url)


async def get_instance_or_raise(session: AsyncSession, instance_id: str) -> Instance:
    instance = await repository.get_instance(session, instance_id)
    if instance is None:
        raise not_found("instance")
    return instance


async def instance_keys(session: AsyncSession, sealer: Sealer, *, instance_id: str, api_url: str) -> JSON:
    """The instance with its secret key, publishable key and JWT verification key."""
    instance = await get_instance_or_raise(session, instance_id)
    sealed_secret_key = await repository.first_sealed_secret_key(session, instance_id)
    if sealed_secret_key is None:
        # Every instance is made with a key (instances/service.py): one without is a broken database.
        raise LookupError(f"instance {instance_id} has no secret key")
    context = await load_instance(session, sealer, instance_id)
    return instance_keys_json(instance, context, secret_key=sealer.unseal(sealed_secret_key), api_url=api_url)


async def list_instances(session: AsyncSession, *, page: PageQuery) -> JSON:
    """`{data, total_count}`: a page of the instances, oldest first, without their secret keys."""
    found = await repository.instances_page(session, page)
    return {"data": [instance_json(instance) for instance in found.items], "total_count": found.total_count}


async def all_instances(session: AsyncSession) -> list[JSON]:
    return [instance_json(instance) for instance in await repository.all_instances(session)]
