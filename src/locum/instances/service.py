"""Creating instances and their keys; the default instance `locum serve` bootstraps."""

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Instance, InstanceSecretKey, SigningKeyRow
from locum.kit.ids import new_id
from locum.kit.jwt_signing import new_private_key_pem
from locum.kit.keys import is_secret_key_format, new_secret_key, secret_key_digest
from locum.kit.sealing import Sealer
from locum.resources.organizations.defaults import ensure_organization_defaults

DEFAULT_ENVIRONMENT = "development"
FRONTEND_API_DOMAIN = "locum.localhost"
ENVIRONMENT_BY_KEY_TAG = {"test": "development", "live": "production"}


@dataclass(frozen=True)
class InstanceKeys:
    instance_id: str
    environment_type: str
    frontend_api_host: str
    secret_key: str


def _frontend_api_host(instance_id: str) -> str:
    # Clerk's SDKs refuse a publishable key whose host has no dot; *.localhost resolves to loopback.
    return f"{instance_id.removeprefix('ins_').lower()}.{FRONTEND_API_DOMAIN}"


async def _add_secret_key(session: AsyncSession, sealer: Sealer, instance_id: str, secret_key: str) -> None:
    session.add(
        InstanceSecretKey(
            id=new_id("secret_key"),
            instance_id=instance_id,
            digest=secret_key_digest(secret_key),
            sealed_key=sealer.seal(secret_key),
        )
    )


async def create_instance(
    session: AsyncSession,
    sealer: Sealer,
    *,
    environment_type: str = DEFAULT_ENVIRONMENT,
    secret_key: str | None = None,
    is_default: bool = False,
) -> InstanceKeys:
    instance_id = new_id("instance")
    session.add(
        Instance(
            id=instance_id,
            is_default=is_default,
            environment_type=environment_type,
            frontend_api_host=_frontend_api_host(instance_id),
        )
    )
    await session.flush()
    secret_key = secret_key or new_secret_key(environment_type)
    await _add_secret_key(session, sealer, instance_id, secret_key)
    session.add(
        SigningKeyRow(kid=instance_id, instance_id=instance_id, sealed_private_key=sealer.seal(new_private_key_pem()))
    )
    await session.flush()
    await ensure_organization_defaults(session, instance_id=instance_id)
    return InstanceKeys(instance_id, environment_type, _frontend_api_host(instance_id), secret_key)


async def ensure_default_instance(session: AsyncSession, sealer: Sealer, *, secret_key: str | None) -> InstanceKeys:
    """The default instance, created on first start; with `secret_key` it accepts exactly that key."""
    if secret_key is not None and not is_secret_key_format(secret_key):
        raise ValueError("LOCUM_SECRET_KEY must look like sk_test_… or sk_live_…")
    instance = await session.scalar(select(Instance).where(Instance.is_default.is_(True)))
    if instance is None:
        environment = ENVIRONMENT_BY_KEY_TAG[secret_key.split("_")[1]] if secret_key else DEFAULT_ENVIRONMENT
        return await create_instance(
            session, sealer, environment_type=environment, secret_key=secret_key, is_default=True
        )
    keys = (
        await session.scalars(
            select(InstanceSecretKey)
            .where(InstanceSecretKey.instance_id == instance.id)
            .order_by(InstanceSecretKey.created_at)
        )
    ).all()
    if secret_key is None:
        secret_key = sealer.unseal(keys[0].sealed_key)
    elif [row.digest for row in keys] != [secret_key_digest(secret_key)]:
        await session.execute(delete(InstanceSecretKey).where(InstanceSecretKey.instance_id == instance.id))
        await _add_secret_key(session, sealer, instance.id, secret_key)
        await session.flush()
    await ensure_organization_defaults(session, instance_id=instance.id)
    return InstanceKeys(instance.id, instance.environment_type, instance.frontend_api_host, secret_key)
