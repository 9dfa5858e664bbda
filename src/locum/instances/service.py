"""Creating instances and their keys; the default instance `locum serve` bootstraps; signing-key rotation.

Rotation is two steps, as with Clerk: `rotate_signing_key` adds a key that signs from then on while
JWKS still lists the older ones (tokens they signed keep verifying), and `retire_signing_keys`
drops all but the newest. Each change bumps `Instance.signing_keys_version`, which every serving
process polls to reload its cached keys.
"""

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from locum.db.models import Instance, InstanceSecretKey, SigningKeyRow
from locum.instances.configuration import new_configuration
from locum.instances.organization_defaults import ensure_organization_defaults
from locum.kit.clock import now_ms
from locum.kit.ids import new_id
from locum.kit.jwt_signing import new_private_key_pem
from locum.kit.keys import DEVELOPMENT, ENVIRONMENT_KEY_TAGS, is_secret_key_format, new_secret_key, secret_digest
from locum.kit.sealing import Sealer

DEFAULT_ENVIRONMENT = DEVELOPMENT
FRONTEND_API_DOMAIN = "locum.localhost"
ENVIRONMENT_BY_KEY_TAG = {tag: environment for environment, tag in ENVIRONMENT_KEY_TAGS.items()}


@dataclass(frozen=True)
class InstanceKeys:
    instance_id: str
    environment_type: str
    frontend_api_host: str
    secret_key: str
    # The LOCUM_WEBHOOK_URL endpoint's signing secret, once prepare_database(apply_webhook_url=True) set it up.
    webhook_secret: str | None = None
    # The active signing key's public PEM (CLERK_JWT_KEY), once prepare_database(apply_webhook_url=True) loaded it.
    jwt_key: str | None = None


def _frontend_api_host(instance_id: str) -> str:
    # Clerk's SDKs refuse a publishable key whose host has no dot; *.localhost resolves to loopback.
    return f"{instance_id.removeprefix('ins_').lower()}.{FRONTEND_API_DOMAIN}"


async def _add_secret_key(session: AsyncSession, sealer: Sealer, instance_id: str, secret_key: str) -> None:
    session.add(
        InstanceSecretKey(
            id=new_id("secret_key"),
            instance_id=instance_id,
            digest=secret_digest(secret_key),
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
    private_key_pem: str | None = None,
) -> InstanceKeys:
    """A new instance with a secret key and a signing key, generated unless `private_key_pem` is
    given (tests pass pre-made ones: RSA key generation takes ~0.1 s, and each test makes an instance)."""
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
        SigningKeyRow(
            kid=instance_id,
            instance_id=instance_id,
            sealed_private_key=sealer.seal(private_key_pem or new_private_key_pem()),
        )
    )
    session.add(new_configuration(instance_id))
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
    elif [row.digest for row in keys] != [secret_digest(secret_key)]:
        await session.execute(delete(InstanceSecretKey).where(InstanceSecretKey.instance_id == instance.id))
        await _add_secret_key(session, sealer, instance.id, secret_key)
        await session.flush()
    await ensure_organization_defaults(session, instance_id=instance.id)
    return InstanceKeys(instance.id, instance.environment_type, instance.frontend_api_host, secret_key)


async def _bump_signing_keys_version(session: AsyncSession, instance_id: str) -> None:
    # One UPDATE: atomic across processes, and it takes the row lock before the keys are read.
    await session.execute(
        update(Instance)
        .where(Instance.id == instance_id)
        .values(signing_keys_version=Instance.signing_keys_version + 1, updated_at=now_ms())
    )


async def rotate_signing_key(session: AsyncSession, sealer: Sealer, *, instance_id: str) -> str:
    """Add a signing key that signs every token from now on; returns its kid. Older keys stay in JWKS."""
    # Generated before the transaction writes anything: RSA key generation takes a while.
    sealed_private_key = sealer.seal(new_private_key_pem())
    await _bump_signing_keys_version(session, instance_id)
    newest_created_at = await session.scalar(
        select(func.max(SigningKeyRow.created_at)).where(SigningKeyRow.instance_id == instance_id)
    )
    kid = new_id("signing_key")
    session.add(
        SigningKeyRow(
            kid=kid,
            instance_id=instance_id,
            sealed_private_key=sealed_private_key,
            # Keys are ordered by creation: the new one must sort last even within one millisecond.
            created_at=max(now_ms(), (newest_created_at or 0) + 1),
        )
    )
    await session.flush()
    return kid


async def retire_signing_keys(session: AsyncSession, *, instance_id: str) -> list[str]:
    """Remove every signing key but the newest; returns the retired kids, oldest first (none: no change)."""
    # The instance row lock orders this after a concurrent rotation, whose new key then stays.
    await session.execute(select(Instance.id).where(Instance.id == instance_id).with_for_update())
    kids = (
        await session.scalars(
            select(SigningKeyRow.kid).where(SigningKeyRow.instance_id == instance_id).order_by(SigningKeyRow.created_at)
        )
    ).all()
    retired = list(kids[:-1])
    if retired:
        await _bump_signing_keys_version(session, instance_id)
        await session.execute(
            delete(SigningKeyRow).where(SigningKeyRow.instance_id == instance_id, SigningKeyRow.kid.in_(retired))
        )
    return retired
