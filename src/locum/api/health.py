"""Liveness and readiness, for load balancers and orchestrators; no auth, no heavy work.

/healthz: the process answers (nothing else is looked at, so a slow database never gets it killed).
/readyz: 200 when this process can serve: the database answers, its schema is at the migrations'
head, and the delivery worker (if this process runs one) is still running; 503 otherwise. The body
names each check's result (`ok`, `failed`, `skipped` when an earlier check failed, `not_running_here`);
why a check failed goes to the log, once when readiness is lost, not to unauthenticated callers.

The database check reads alembic_version on a connection of its own (on a SQLite file: opened
read-write without creating it), so a database file moved away or a PostgreSQL server gone is seen
at once rather than through the app's pooled connections, which may hold on to them.
"""

import asyncio
import logging
from typing import Literal

from fastapi import FastAPI, Request
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from starlette.responses import Response

from locum.api.responses import ClerkJSONResponse
from locum.api.routing import LocumRoute
from locum.db.migrate import migration_heads
from locum.outbox.isolation import describe
from locum.settings import Settings

logger = logging.getLogger("locum.health")

# A probe waits this long for the database before calling it unavailable.
DATABASE_TIMEOUT_SECONDS = 2.0
ALEMBIC_VERSIONS = text("SELECT version_num FROM alembic_version")
CheckResult = Literal["ok", "failed", "skipped", "not_running_here"]


def _probe_engine(settings: Settings) -> AsyncEngine:
    """An engine opening a new connection per probe."""
    url = make_url(settings.async_database_url)
    if settings.is_sqlite:
        url = url.set(database=f"file:{url.database}", query={"mode": "rw", "uri": "true"})
    return create_async_engine(url, poolclass=NullPool)


class Readiness:
    """The checks behind /readyz, for one app: create_app's lifespan opens it and closes it."""

    def __init__(self, settings: Settings, app_engine: AsyncEngine) -> None:
        # `sqlite:///:memory:` exists only in the app's engine.
        self._own_engine = None if settings.is_memory_database else _probe_engine(settings)
        self._engine = self._own_engine or app_engine
        self._was_ready = True

    async def close(self) -> None:
        if self._own_engine is not None:
            await self._own_engine.dispose()

    async def check(self, app: FastAPI) -> dict[str, CheckResult]:
        checks: dict[str, CheckResult] = {"database": "ok", "migrations": "skipped"}
        problems = []
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS), self._engine.connect() as connection:
                versions = frozenset((await connection.execute(ALEMBIC_VERSIONS)).scalars())
        except Exception as error:
            checks["database"] = "failed"
            problems.append(f"database: {describe(error)}")
        else:
            heads = migration_heads()
            checks["migrations"] = "ok" if versions == heads else "failed"
            if versions != heads:
                problems.append(f"migrations: database at {sorted(versions)}, locum at {sorted(heads)}")
        worker = getattr(app.state, "delivery_task", None)
        if worker is None:
            checks["delivery_worker"] = "not_running_here"
        elif worker.done():
            checks["delivery_worker"] = "failed"
            problems.append("delivery_worker: its task has ended")
        else:
            checks["delivery_worker"] = "ok"
        self._note(problems)
        return checks

    def _note(self, problems: list[str]) -> None:
        """Log readiness lost (with why) and regained; not every failing probe."""
        if problems and self._was_ready:
            logger.warning("not ready: %s", "; ".join(problems))
        elif not problems and not self._was_ready:
            logger.info("ready again")
        self._was_ready = not problems


def install_health(app: FastAPI) -> None:
    async def healthz() -> Response:
        """The process is up (the database is not looked at)."""
        return Response(b'{"status":"ok"}', media_type="application/json")

    async def readyz(request: Request) -> ClerkJSONResponse:
        """Ready to serve: the database answers, migrations are at head, the delivery worker runs."""
        readiness: Readiness = request.app.state.readiness
        checks = await readiness.check(request.app)
        ready = all(result in ("ok", "not_running_here") for result in checks.values())
        return ClerkJSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
        )

    # LocumRoutes: their endpoints take nothing FastAPI would solve, so LocumRoute calls them directly.
    for path, endpoint in (("/healthz", healthz), ("/readyz", readyz)):
        app.router.add_api_route(
            path, endpoint, methods=["GET"], include_in_schema=False, route_class_override=LocumRoute
        )
