"""The instance registry (instances/registry.py): secret keys resolved to instances, from memory."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event

from locum.instances.registry import InstanceRegistry
from locum.instances.service import InstanceKeys


@pytest.fixture
def key_lookups(app: FastAPI) -> Iterator[list[str]]:
    """Every look-up of a secret key the app's engine runs while the test does."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM instance_secret_keys" in statement:
            seen.append(statement)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(app.state.engine.sync_engine, "before_cursor_execute", record)


def fresh_registry(app: FastAPI) -> InstanceRegistry:
    """A registry with nothing in memory, as a worker process has at its start."""
    return InstanceRegistry(app.state.sessionmaker, app.state.sealer, app.state.reader)


class TestResolve:
    async def test_requests_arriving_together_with_a_key_not_in_memory_share_one_look_up(
        self, app: FastAPI, instance: InstanceKeys, key_lookups: list[str]
    ) -> None:
        registry = fresh_registry(app)

        contexts = await asyncio.gather(*(registry.resolve(instance.secret_key) for _ in range(30)))

        assert {context.id for context in contexts if context is not None} == {instance.instance_id}
        assert all(context is contexts[0] for context in contexts)
        assert len(key_lookups) == 1

    async def test_a_cancelled_request_leaves_the_look_up_to_the_others(
        self, app: FastAPI, instance: InstanceKeys
    ) -> None:
        registry = fresh_registry(app)
        first = asyncio.ensure_future(registry.resolve(instance.secret_key))
        second = asyncio.ensure_future(registry.resolve(instance.secret_key))
        await asyncio.sleep(0)
        first.cancel()

        context = await second

        assert context is not None and context.id == instance.instance_id
        with pytest.raises(asyncio.CancelledError):
            await first

    async def test_an_unknown_key_is_looked_up_again_by_a_later_request(
        self, app: FastAPI, key_lookups: list[str]
    ) -> None:
        registry = fresh_registry(app)
        unknown = "sk_test_" + "z" * 42

        assert await registry.resolve(unknown) is None
        assert await registry.resolve(unknown) is None
        assert len(key_lookups) == 2

    async def test_a_key_looked_up_after_forget_is_read_afresh(
        self, app: FastAPI, instance: InstanceKeys, key_lookups: list[str]
    ) -> None:
        registry = fresh_registry(app)
        await registry.resolve(instance.secret_key)

        registry.forget()
        await registry.resolve(instance.secret_key)

        assert len(key_lookups) == 2
