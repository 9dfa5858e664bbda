"""Instances resolved from memory: secret-key digest -> instance, with keys parsed once.

A key not in memory is looked up in the database once (another process may have created the
instance) and cached; unknown keys are not cached, so a later-created key is found. Requests with
the key that arrive while it is being looked up wait for that one look-up: a burst at start would
otherwise take a pooled connection each, and the pool's timeout would answer the rest with errors.

A machine's secret key (the M2M endpoints accept one) is looked up on every request, one bare-driver
read: rotating, expiring or deleting it takes effect at once. Its instance is cached by id like any.

Signing keys change from other processes (`locum keys rotate`, another worker), so a cached
instance older than KEYS_RECHECK_SECONDS re-reads its `signing_keys_version` (one small query)
and reloads when it moved. Requests within that window do no I/O at all.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property

import orjson
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from locum.db.engine import READ_ONLY_OPTION
from locum.db.models import Instance, InstanceSecretKey, SigningKeyRow
from locum.db.reads import Reader
from locum.db.scoping import across_instances
from locum.kit.clock import now_ms
from locum.kit.jwt_signing import SigningKey
from locum.kit.keys import digests_match, publishable_key, secret_digest
from locum.kit.sealing import Sealer

# How stale a process's view of an instance's signing keys may get (time.monotonic seconds).
KEYS_RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class InstanceContext:
    id: str
    environment_type: str
    frontend_api_host: str
    signing_keys: tuple[SigningKey, ...] = field(default=())
    signing_keys_version: int = 0
    # The instance `locum serve` made first: its key alone may create and list instances.
    is_default: bool = False

    @cached_property
    def publishable_key(self) -> str:
        return publishable_key(self.environment_type, self.frontend_api_host)

    @cached_property
    def frontend_api_url(self) -> str:
        """The `iss` of every token: Clerk's SDKs compare it with the host in the publishable key."""
        return f"https://{self.frontend_api_host}"

    @cached_property
    def jwks_document(self) -> bytes:
        return orjson.dumps({"keys": [key.public_jwk for key in self.signing_keys]})

    @property
    def active_signing_key(self) -> SigningKey:
        return self.signing_keys[-1]

    def signing_key(self, kid: object) -> SigningKey | None:
        """The instance's signing key named `kid` (a token header's), if it has one."""
        return next((key for key in self.signing_keys if key.kid == kid), None)


async def load_instance(session: AsyncSession, sealer: Sealer, instance_id: str) -> InstanceContext:
    instance = await session.get_one(Instance, instance_id)
    rows = (
        await session.scalars(
            select(SigningKeyRow).where(SigningKeyRow.instance_id == instance_id).order_by(SigningKeyRow.created_at)
        )
    ).all()
    keys = tuple(SigningKey.from_pem(row.kid, sealer.unseal(row.sealed_private_key)) for row in rows)
    return InstanceContext(
        id=instance.id,
        environment_type=instance.environment_type,
        frontend_api_host=instance.frontend_api_host,
        signing_keys=keys,
        signing_keys_version=instance.signing_keys_version,
        is_default=instance.is_default,
    )


@dataclass
class _Cached:
    context: InstanceContext
    checked_at: float


@dataclass(frozen=True)
class MachineCaller:
    """A request authenticated by a machine's secret key: the machine and its instance."""

    instance: InstanceContext
    machine_id: str


@cache
def _machine_key_by_digest() -> Select[str, str, int | None, str]:
    """Built at the first machine key: the machines' tables are not among those a start registers."""
    from locum.db.models import MachineSecretKey

    # The key names the instance: this look-up is the one that finds it.
    return across_instances(
        select(
            MachineSecretKey.instance_id,
            MachineSecretKey.machine_id,
            MachineSecretKey.expires_at,
            MachineSecretKey.secret_digest,
        ).where(MachineSecretKey.secret_digest == bindparam("digest"))
    )


class InstanceRegistry:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], sealer: Sealer, reader: Reader) -> None:
        self._sessionmaker = sessionmaker
        self._sealer = sealer
        self._reader = reader
        self._by_digest: dict[str, _Cached] = {}
        self._by_instance_id: dict[str, _Cached] = {}
        # The look-ups under way of keys not in memory, by digest.
        self._loading: dict[str, asyncio.Task[InstanceContext | None]] = {}

    async def resolve(self, secret_key: str) -> InstanceContext | None:
        digest = secret_digest(secret_key)
        cached = self._by_digest.get(digest)
        if cached is None:
            loading = self._loading.get(digest)
            if loading is None:
                loading = self._loading[digest] = asyncio.ensure_future(self._load_and_keep(digest))
                loading.add_done_callback(lambda task: self._loaded(digest, task))
            # Shielded: one waiting request cancelled (its client gone) leaves the look-up to the others.
            return await asyncio.shield(loading)
        if time.monotonic() - cached.checked_at < KEYS_RECHECK_SECONDS:
            return cached.context
        context = await self._recheck(cached)
        if context is not cached.context:
            self._by_digest[digest] = _Cached(context, time.monotonic())
        return context

    async def resolve_machine(self, secret_key: str) -> MachineCaller | None:
        """The machine whose current key this is, or whose rotated-out key has not yet expired."""
        digest = secret_digest(secret_key)
        rows = await self._reader.fetch_by_key(self._reader.prepared(_machine_key_by_digest()), {"digest": digest})
        if not rows:
            return None
        instance_id, machine_id, expires_at, stored_digest = rows[0]
        if not digests_match(stored_digest, digest) or (expires_at is not None and expires_at <= now_ms()):
            return None
        return MachineCaller(await self._instance_by_id(instance_id), machine_id)

    async def _instance_by_id(self, instance_id: str) -> InstanceContext:
        cached = self._by_instance_id.get(instance_id)
        if cached is None:
            async with self._read_session() as session:
                context = await load_instance(session, self._sealer, instance_id)
            self._by_instance_id[instance_id] = _Cached(context, time.monotonic())
            return context
        if time.monotonic() - cached.checked_at < KEYS_RECHECK_SECONDS:
            return cached.context
        context = await self._recheck(cached)
        self._by_instance_id[instance_id] = _Cached(context, time.monotonic())
        return context

    @asynccontextmanager
    async def _read_session(self) -> AsyncIterator[AsyncSession]:
        # Read-only, so on SQLite these look-ups never queue for the write lock (BEGIN IMMEDIATE).
        async with self._sessionmaker() as session:
            await session.connection(execution_options={READ_ONLY_OPTION: True})
            yield session

    def _loaded(self, digest: str, task: "asyncio.Task[InstanceContext | None]") -> None:
        # Not a newer look-up begun after `forget`.
        if self._loading.get(digest) is task:
            del self._loading[digest]

    async def _load_and_keep(self, digest: str) -> InstanceContext | None:
        context = await self._load(digest)
        if context is not None:
            self._by_digest[digest] = _Cached(context, time.monotonic())
        return context

    async def _load(self, digest: str) -> InstanceContext | None:
        async with self._read_session() as session:
            # The key names the instance: this look-up is the one that finds it.
            key_row = await session.scalar(
                across_instances(select(InstanceSecretKey).where(InstanceSecretKey.digest == digest))
            )
            if key_row is None or not digests_match(key_row.digest, digest):
                return None
            return await load_instance(session, self._sealer, key_row.instance_id)

    async def _recheck(self, cached: _Cached) -> InstanceContext:
        """The cached instance, or a fresh one if its signing keys moved since."""
        # Marked checked first: requests arriving meanwhile use the cached keys instead of querying too.
        cached.checked_at = time.monotonic()
        instance_id = cached.context.id
        async with self._read_session() as session:
            version = await session.scalar(select(Instance.signing_keys_version).where(Instance.id == instance_id))
            if version == cached.context.signing_keys_version:
                return cached.context
            return await load_instance(session, self._sealer, instance_id)

    async def resolve_frontend_host(self, host: str) -> InstanceContext | None:
        """The instance whose Frontend API host `host` is (as Clerk serves public documents per FAPI
        host), else the default instance: a browser or SDK that reaches locum by its own address."""
        async with self._read_session() as session:
            # Public documents name no key: the host (or the default) is what finds the instance.
            instance_id = await session.scalar(
                across_instances(
                    select(Instance.id)
                    .where(or_(Instance.frontend_api_host == host, Instance.is_default.is_(True)))
                    .order_by(Instance.is_default)
                    .limit(1)
                )
            )
        return None if instance_id is None else await self._instance_by_id(instance_id)

    def forget(self) -> None:
        """Drop every cached instance, so the next request reads them afresh (after a change in this process)."""
        self._by_digest.clear()
        self._by_instance_id.clear()
        # A look-up under way may have read before the change: later requests start their own.
        self._loading.clear()
