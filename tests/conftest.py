"""Shared fixtures: one migrated database per test session (SQLite by default, PostgreSQL when
LOCUM_TEST_DATABASE_URL is set) and a fresh instance per test, which isolates tests without
cleanup because every row is instance-scoped.

Every response that the `client` fixture receives is validated against Clerk's spec for its
operation and status; a mismatch fails the test that provoked it.
"""

import functools
import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import select

from locum.api.auth import VERSIONLESS_PREFIXES
from locum.app import create_app
from locum.db.models import Event
from locum.db.scoping import require_scope
from locum.instances.service import InstanceKeys, create_instance
from locum.kit import clock
from locum.kit.jwt_signing import new_private_key_pem
from locum.settings import Settings
from tests.contract.spec import SPEC_DIR, validate_response
from tests.contract.spec_source import SpecUnavailable, ensure_spec
from tests.postgres import (
    TEST_DATABASE_VARIABLE,
    configured_database_url,
    create_database_beside,
    database_name,
    drop_database,
)

TEST_ORIGIN = "http://locum.test"
# A project of its own, which tests/cli/test_pytest_plugin.py runs with the pytest plugin.
collect_ignore = ["plugin_project"]
RUN_DATABASE_URL = pytest.StashKey[str]()
# Fixed, so a PostgreSQL test database reused between local runs still unseals its keys.
TEST_MASTER_KEY = "bG9jdW0tdGVzdC1tYXN0ZXIta2V5LW5vdC1hLXNlY3I="


def pytest_configure(config: pytest.Config) -> None:
    """Every statement locum runs must be filtered on its instance (db/scoping.py); a test's own
    look at the database goes through tests/builders.inspection_session.

    Clerk's spec is downloaded first if neither LOCUM_CLERK_SPEC_DIR nor ../shared/clerk-spec has
    it (tests/contract/spec_source.py); offline, the run stops with one line saying what to do.

    Under pytest-xdist each worker gets a PostgreSQL database of its own: workers running delivery
    passes or migrating at once must not share one."""
    require_scope()
    try:
        ensure_spec(SPEC_DIR)
    except SpecUnavailable as problem:
        raise pytest.UsageError(str(problem)) from None
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    run_url = configured_database_url()
    if worker and run_url:
        config.stash[RUN_DATABASE_URL] = run_url
        own_url = create_database_beside(run_url, f"{database_name(run_url)}_{worker}")
        os.environ[TEST_DATABASE_VARIABLE] = own_url


def pytest_unconfigure(config: pytest.Config) -> None:
    run_url = config.stash.get(RUN_DATABASE_URL, None)
    if run_url is not None:
        own_url = os.environ[TEST_DATABASE_VARIABLE]
        os.environ[TEST_DATABASE_VARIABLE] = run_url
        drop_database(run_url, own_url)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("locum")
    database_url = configured_database_url() or f"sqlite:///{data_dir / 'test.db'}"
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        master_key=TEST_MASTER_KEY,
        public_url=TEST_ORIGIN,
        # Tests that deliver drive a worker themselves; a background one would change rows under others.
        deliver_in_serve=False,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


# Generating an RSA-2048 key takes ~0.1 s, and every test makes an instance: test instances take
# their signing keys in turn from a few made once per session, so any TEST_SIGNING_KEYS instances
# in a row (the few one test makes) still have keys of their own.
TEST_SIGNING_KEYS = 8
_signing_key_turn = itertools.count()


@functools.cache
def _test_signing_keys() -> tuple[str, ...]:
    return tuple(new_private_key_pem() for _ in range(TEST_SIGNING_KEYS))


def next_signing_key() -> str:
    """The private key (PEM) for the next test instance."""
    return _test_signing_keys()[next(_signing_key_turn) % TEST_SIGNING_KEYS]


async def new_instance(app: FastAPI, *, environment_type: str = "development") -> InstanceKeys:
    async with app.state.sessionmaker() as session:
        keys = await create_instance(
            session, app.state.registry._sealer, environment_type=environment_type, private_key_pem=next_signing_key()
        )
        await session.commit()
    return keys


@pytest.fixture
async def instance(app: FastAPI) -> InstanceKeys:
    return await new_instance(app)


class ContractViolation(AssertionError):
    pass


async def _check_contract(response: httpx.Response) -> None:
    path = response.request.url.path
    if path.startswith(VERSIONLESS_PREFIXES):
        # Clerk's SDKs call the machine-token operations without /v1: the same operations.
        path = "/v1" + path
    if not path.startswith("/v1/"):
        return
    await response.aread()
    body = orjson.loads(response.content) if response.content else None
    paginated = response.request.url.params.get("paginated") == "true"
    problems = validate_response(response.request.method, path, response.status_code, body, paginated=paginated)
    if problems:
        raise ContractViolation("\n".join(problems))
    if response.content:
        # A 204 has no body, so no content type (Clerk's JS SDK would parse an empty body as JSON).
        assert response.headers.get("content-type") == "application/json"


def api_client(app: FastAPI, secret_key: str | None, *, check_contract: bool = True) -> httpx.AsyncClient:
    """A client of `app`; unless told otherwise it validates every /v1 response (and every response of
    the operations also served without /v1) against the spec."""
    headers = {"Authorization": f"Bearer {secret_key}"} if secret_key else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=TEST_ORIGIN,
        headers=headers,
        event_hooks={"response": [_check_contract] if check_contract else []},
    )


@pytest.fixture
async def client(app: FastAPI, instance: InstanceKeys) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, instance.secret_key) as http:
        yield http


@pytest.fixture
async def other_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a second instance, for isolation checks."""
    keys = await new_instance(app)
    async with api_client(app, keys.secret_key) as http:
        yield http


@pytest.fixture
def frozen_clock() -> Iterator[int]:
    """locum's clock frozen at the real now (so tokens minted under it still verify); yields it."""
    start = clock.now_ms()
    clock.freeze(start)
    try:
        yield start
    finally:
        clock.freeze(None)


RecordedEvents = Callable[[], Awaitable[list[tuple[str, dict[str, Any]]]]]


@pytest.fixture
def recorded_events(app: FastAPI, instance: InstanceKeys) -> RecordedEvents:
    """`await recorded_events()` -> [(type, data), …] committed for the test's instance, oldest first."""

    async def read() -> list[tuple[str, dict[str, Any]]]:
        async with app.state.sessionmaker() as session:
            rows = await session.scalars(
                select(Event).where(Event.instance_id == instance.instance_id).order_by(Event.created_at, Event.id)
            )
            return [(row.type, row.data) for row in rows]

    return read


@asynccontextmanager
async def probe_app_client(
    settings: Settings, instance: InstanceKeys, router: APIRouter
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app of its own (the session's app is shared) with a test's probe routes under /locum."""
    app = create_app(settings)
    app.include_router(router, prefix="/locum")
    async with app.router.lifespan_context(app), api_client(app, instance.secret_key, check_contract=False) as http:
        yield http
