"""Signing-key rotation: the service, and the registry that notices it from another process."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select, text

from locum.db.models import Instance
from locum.instances import registry as registry_module
from locum.instances.registry import InstanceRegistry
from locum.instances.service import InstanceKeys, retire_signing_keys, rotate_signing_key
from locum.kit.clock import freeze
from tests.builders import inspection_session, make_session, make_user

RESOLVE_DEADLINE_S = 5


async def rotate(app: FastAPI, instance_id: str) -> str:
    """What `locum keys rotate` does: its own session, committed (the app's registry is not told)."""
    async with inspection_session(app) as session:
        kid = await rotate_signing_key(session, app.state.sealer, instance_id=instance_id)
        await session.commit()
    return kid


async def retire(app: FastAPI, instance_id: str) -> list[str]:
    async with inspection_session(app) as session:
        retired = await retire_signing_keys(session, instance_id=instance_id)
        await session.commit()
    return retired


async def keys_version(app: FastAPI, instance_id: str) -> int:
    async with inspection_session(app) as session:
        version: int = await session.scalar(select(Instance.signing_keys_version).where(Instance.id == instance_id))
    return version


async def mint(client: httpx.AsyncClient, session_id: str) -> str:
    response = await client.post(f"/v1/sessions/{session_id}/tokens")
    assert response.status_code == 200, response.text
    token: str = response.json()["jwt"]
    return token


async def jwks_kids(client: httpx.AsyncClient) -> list[str]:
    response = await client.get("/v1/jwks")
    assert response.status_code == 200
    return [key["kid"] for key in response.json()["keys"]]


def verifies_with_jwks(token: str, jwks: dict[str, Any]) -> bool:
    kid = jwt.get_unverified_header(token)["kid"]
    key = next((jwt.PyJWK(entry) for entry in jwks["keys"] if entry["kid"] == kid), None)
    if key is None:
        return False
    jwt.decode(token, key.key, algorithms=["RS256"], options={"verify_iss": False})
    return True


@pytest.fixture
def always_recheck(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_module, "KEYS_RECHECK_SECONDS", 0)


@pytest.fixture
def never_recheck(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_module, "KEYS_RECHECK_SECONDS", 3600)


@pytest.fixture
def queries(app: FastAPI) -> Iterator[list[str]]:
    """Every SELECT the app's engine runs while the test does."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(app.state.engine.sync_engine, "before_cursor_execute", record)


@pytest.fixture
async def registry(app: FastAPI) -> AsyncIterator[InstanceRegistry]:
    """A registry of its own, as another worker process would have."""
    yield InstanceRegistry(app.state.sessionmaker, app.state.sealer, app.state.reader)


class TestRotateSigningKey:
    async def test_new_key_signs_and_the_old_one_stays_in_jwks(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, always_recheck: None
    ) -> None:
        session = await make_session(client, (await make_user(client))["id"])
        old_token = await mint(client, session["id"])
        assert jwt.get_unverified_header(old_token)["kid"] == instance.instance_id

        kid = await rotate(app, instance.instance_id)

        assert kid.startswith("ins_") and kid != instance.instance_id
        assert await jwks_kids(client) == [instance.instance_id, kid]
        new_token = await mint(client, session["id"])
        assert jwt.get_unverified_header(new_token)["kid"] == kid
        jwks = (await client.get("/v1/jwks")).json()
        assert verifies_with_jwks(old_token, jwks) and verifies_with_jwks(new_token, jwks)

    async def test_each_change_bumps_the_version(self, app: FastAPI, instance: InstanceKeys) -> None:
        assert await keys_version(app, instance.instance_id) == 0
        await rotate(app, instance.instance_id)
        assert await keys_version(app, instance.instance_id) == 1
        await retire(app, instance.instance_id)
        assert await keys_version(app, instance.instance_id) == 2

    async def test_rotations_within_one_millisecond_still_sign_with_the_newest(
        self, app: FastAPI, instance: InstanceKeys, registry: InstanceRegistry
    ) -> None:
        freeze(1_700_000_000_000)
        try:
            kids = [await rotate(app, instance.instance_id) for _ in range(3)]
        finally:
            freeze(None)
        context = await registry.resolve(instance.secret_key)
        assert context is not None
        assert [key.kid for key in context.signing_keys] == [instance.instance_id, *kids]
        assert context.active_signing_key.kid == kids[-1]


class TestRetireSigningKeys:
    async def test_only_the_newest_key_remains(
        self, app: FastAPI, instance: InstanceKeys, client: httpx.AsyncClient, always_recheck: None
    ) -> None:
        session = await make_session(client, (await make_user(client))["id"])
        first = await rotate(app, instance.instance_id)
        token_of_first = await mint(client, session["id"])
        newest = await rotate(app, instance.instance_id)

        assert await retire(app, instance.instance_id) == [instance.instance_id, first]

        assert await jwks_kids(client) == [newest]
        jwks = (await client.get("/v1/jwks")).json()
        assert not verifies_with_jwks(token_of_first, jwks)
        assert verifies_with_jwks(await mint(client, session["id"]), jwks)

    async def test_a_single_key_is_kept_and_nothing_changes(self, app: FastAPI, instance: InstanceKeys) -> None:
        assert await retire(app, instance.instance_id) == []
        assert await keys_version(app, instance.instance_id) == 0

    async def test_other_instances_keep_their_keys(
        self, app: FastAPI, instance: InstanceKeys, other_client: httpx.AsyncClient, always_recheck: None
    ) -> None:
        before = await jwks_kids(other_client)
        await rotate(app, instance.instance_id)
        await retire(app, instance.instance_id)
        assert await jwks_kids(other_client) == before


class TestRegistryNoticesOtherProcesses:
    async def test_a_version_bump_reloads_the_cached_instance(
        self, app: FastAPI, instance: InstanceKeys, registry: InstanceRegistry, always_recheck: None
    ) -> None:
        before = await registry.resolve(instance.secret_key)
        assert before is not None and before.signing_keys_version == 0
        kid = await rotate(app, instance.instance_id)
        after = await registry.resolve(instance.secret_key)
        assert after is not None and after is not before
        assert after.signing_keys_version == 1 and after.active_signing_key.kid == kid

    async def test_an_unchanged_version_keeps_the_cached_instance_after_one_small_query(
        self,
        instance: InstanceKeys,
        registry: InstanceRegistry,
        queries: list[str],
        always_recheck: None,
    ) -> None:
        cached = await registry.resolve(instance.secret_key)
        queries.clear()
        assert await registry.resolve(instance.secret_key) is cached
        assert len(queries) == 1 and "signing_keys_version" in queries[0]
        assert "signing_keys.sealed_private_key" not in queries[0]

    async def test_no_query_within_the_recheck_window(
        self,
        app: FastAPI,
        instance: InstanceKeys,
        registry: InstanceRegistry,
        queries: list[str],
        never_recheck: None,
    ) -> None:
        cached = await registry.resolve(instance.secret_key)
        await rotate(app, instance.instance_id)
        queries.clear()
        for _ in range(20):
            assert await registry.resolve(instance.secret_key) is cached
        assert queries == []

    async def test_concurrent_requests_share_one_recheck(
        self,
        instance: InstanceKeys,
        registry: InstanceRegistry,
        queries: list[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        recheck_seconds = 0.2
        monkeypatch.setattr(registry_module, "KEYS_RECHECK_SECONDS", recheck_seconds)
        cached = await registry.resolve(instance.secret_key)
        await asyncio.sleep(recheck_seconds * 1.5)
        queries.clear()
        resolved = await asyncio.gather(*(registry.resolve(instance.secret_key) for _ in range(10)))
        assert all(context is cached for context in resolved)
        assert len(queries) == 1

    async def test_forget_reloads_at_once(
        self, app: FastAPI, instance: InstanceKeys, registry: InstanceRegistry, never_recheck: None
    ) -> None:
        await registry.resolve(instance.secret_key)
        kid = await rotate(app, instance.instance_id)
        registry.forget()
        context = await registry.resolve(instance.secret_key)
        assert context is not None and context.active_signing_key.kid == kid

    async def test_recheck_does_not_wait_for_the_sqlite_writer(
        self, app: FastAPI, instance: InstanceKeys, registry: InstanceRegistry, always_recheck: None
    ) -> None:
        if app.state.engine.dialect.name != "sqlite":
            pytest.skip("only SQLite has a database-wide write lock")
        await registry.resolve(instance.secret_key)
        unknown = await registry.resolve("sk_test_" + "x" * 42)
        assert unknown is None
        async with inspection_session(app) as writer:
            await writer.execute(text("UPDATE instances SET updated_at = updated_at WHERE 0"))  # BEGIN IMMEDIATE
            assert await asyncio.wait_for(registry.resolve(instance.secret_key), RESOLVE_DEADLINE_S) is not None
            assert await asyncio.wait_for(registry.resolve("sk_test_" + "y" * 42), RESOLVE_DEADLINE_S) is None
            await writer.rollback()
