"""Dependency aliases that make route signatures read like prose.

Each is a RequestValue: computed from the request alone, with nothing to clean up. LocumRoute
computes its endpoints' RequestValue parameters itself (api/routing.py): FastAPI's dependency
solving costs ~15 µs of CPU for each, as much as a SQLite point read.
"""

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from locum.api.tracing import current_http_request
from locum.db.reads import Reader
from locum.instances.context import RequestContext
from locum.kit.sealing import Sealer
from locum.settings import Settings

Value = TypeVar("Value")


class RequestValue(Generic[Value]):
    """A dependency computed from the request alone (no parameters of its own, no clean-up)."""

    def __init__(self, compute: Callable[[Request], Value]) -> None:
        self.compute = compute

    async def __call__(self, request: Request) -> Value:
        # FastAPI's way in, for a route outside LocumRoute or a dependency that needs this value.
        return self.compute(request)


class QueryValue(RequestValue[Value]):
    """A RequestValue parsed from the query string. LocumRoute computes it itself only on a route that
    takes no body: with a body FastAPI solves it, so its errors and the body's keep FastAPI's order."""


# Where the request's session is kept (in the request's state), for LocumRoute to commit and close.
SESSION_STATE_KEY = "db_session"


def request_session(request: Request) -> AsyncSession | None:
    """The session the request opened, if it opened one."""
    session: AsyncSession | None = request.scope.get("state", {}).get(SESSION_STATE_KEY)
    return session


def _keep_session(request: Request, session: AsyncSession) -> None:
    request.scope.setdefault("state", {})[SESSION_STATE_KEY] = session


def forget_session(request: Request) -> None:
    """After LocumRoute closed it: a request run again opens a new one."""
    request.scope.get("state", {}).pop(SESSION_STATE_KEY, None)


def _db_session(request: Request) -> AsyncSession:
    """The request's write session; LocumRoute commits it before responding and closes it."""
    session: AsyncSession = request.app.state.sessionmaker()
    _keep_session(request, session)
    return session


class SessionOnDemand:
    """The request's write session, opened only when called: for a hot read path that writes now and
    then (a verification recording a token's use). LocumRoute commits it as it commits DbSession's."""

    def __init__(self, request: Request) -> None:
        self._request = request

    def __call__(self) -> AsyncSession:
        session = request_session(self._request)
        if session is None:
            session = self._request.app.state.sessionmaker()
            _keep_session(self._request, session)
        return session


def _session_on_demand(request: Request) -> SessionOnDemand:
    return SessionOnDemand(request)


def _read_session(request: Request) -> AsyncSession:
    """A session for requests that only read through the ORM: it never takes SQLite's write lock."""
    session: AsyncSession = request.app.state.read_sessionmaker()
    _keep_session(request, session)
    return session


def _engine(request: Request) -> AsyncEngine:
    """The database itself, for work that manages its own connection and transaction (a reset)."""
    engine: AsyncEngine = request.app.state.engine
    return engine


def _reader(request: Request) -> Reader:
    reader: Reader = request.app.state.reader
    return reader


def _sealer(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.sealer
    return sealer


def _request_context(request: Request) -> RequestContext:
    """The instance and calling machine (resolved by the auth middleware, which also checked the
    Clerk-API-Version)."""
    settings: Settings = request.app.state.settings
    state = request.scope["state"]
    return RequestContext(
        instance=state["instance"],
        origin=settings.origin,
        api_version=state["api_version"],
        http_request=current_http_request(),
        machine_id=state["machine_id"],
    )


DbSession = Annotated[AsyncSession, Depends(RequestValue(_db_session))]
DbReadSession = Annotated[AsyncSession, Depends(RequestValue(_read_session))]
DbSessionOnDemand = Annotated[SessionOnDemand, Depends(RequestValue(_session_on_demand))]
DbEngine = Annotated[AsyncEngine, Depends(RequestValue(_engine))]
DbReader = Annotated[Reader, Depends(RequestValue(_reader))]
AppSealer = Annotated[Sealer, Depends(RequestValue(_sealer))]
Context = Annotated[RequestContext, Depends(RequestValue(_request_context))]
