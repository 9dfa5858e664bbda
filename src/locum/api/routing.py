"""LocumRoute: one write transaction per request, committed before the response leaves.

Services only flush; the route commits once after the endpoint returns, and a failure anywhere
rolls everything back (outbox events included, since they share the transaction). A transaction the
database ended for a lock conflict is run again, up to LOCK_CONFLICT_ATTEMPTS times, before the
client sees 409 `conflict`.

An endpoint's request values (api/deps.py's RequestValue: the context, the reader, sessions) and its
JSON body (api/bodies.py's RequestBody) are computed here from the request, not solved by FastAPI:
FastAPI sees the endpoint take the request instead of them.
"""

import asyncio
import functools
import inspect
import typing
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.openapi.constants import REF_PREFIX
from fastapi.params import Depends as DependsMarker
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from starlette.routing import compile_path

from locum.api.bodies import (
    BODY_READ_TIMEOUT_SECONDS,
    JSON_CONTENT_TYPE,
    MAX_JSON_BODY_BYTES,
    RequestBody,
    check_json_body,
)
from locum.api.deps import QueryValue, RequestValue, forget_session, request_session
from locum.api.errors import RequestRefused, request_body_timeout, request_body_too_large
from locum.db.constraints import commit
from locum.db.failures import is_lock_conflict
from locum.outbox.events import has_outbox_work
from locum.outbox.worker import wake_delivery_worker

# A request whose transaction lost a lock conflict (deadlock, lock timeout) runs again, this often at most.
LOCK_CONFLICT_ATTEMPTS = 3
HTTP1_VERSIONS = ("1.0", "1.1")
# The parameter FastAPI passes the request in, for an endpoint that does not take it itself.
REQUEST_PARAMETER = "locum_request"


class ClerkRequest(Request):
    """Bodies read within MAX_JSON_BODY_BYTES and BODY_READ_TIMEOUT_SECONDS (a client trickling its body
    would hold the connection forever), parsed by orjson, then held to api/bodies.py's bounds.

    FastAPI turns any other exception raised while it reads the body into a bare 400, so refusals
    travel as RequestRefused (an HTTPException, which FastAPI lets through).
    """

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            declared = self.headers.get("content-length", "")
            if self._declares_no_body(declared):
                # Nothing to wait for: skips the read's timeout and the trip through `receive`.
                self._body = b""
                return self._body
            if declared.isdigit() and int(declared) > MAX_JSON_BODY_BYTES:
                raise RequestRefused(request_body_too_large(MAX_JSON_BODY_BYTES))
            try:
                async with asyncio.timeout(BODY_READ_TIMEOUT_SECONDS):
                    self._body = await self._read_bounded_body()
            except TimeoutError:
                raise RequestRefused(request_body_timeout(BODY_READ_TIMEOUT_SECONDS)) from None
        return self._body

    def _declares_no_body(self, declared_length: str) -> bool:
        """Content-Length 0, or in HTTP/1.x neither a length nor Transfer-Encoding (RFC 9112 6.3: then
        the request has no body)."""
        if declared_length == "0":
            return True
        return (
            not declared_length
            and self.scope.get("http_version") in HTTP1_VERSIONS
            and "transfer-encoding" not in self.headers
        )

    async def _read_bounded_body(self) -> bytes:
        chunks = []
        received = 0
        async for chunk in self.stream():
            received += len(chunk)
            if received > MAX_JSON_BODY_BYTES:
                raise RequestRefused(request_body_too_large(MAX_JSON_BODY_BYTES))
            chunks.append(chunk)
        return b"".join(chunks)

    @property
    def is_replayable(self) -> bool:
        """Whether the handler can run again: the body was read whole (and kept), or not touched."""
        return hasattr(self, "_body") or not self._stream_consumed

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            parsed = orjson.loads(await self.body())
            problem = check_json_body(parsed)
            if problem is not None:
                raise RequestRefused(problem)
            self._json = parsed
        return self._json


def _with_request_values(
    path: str, endpoint: Callable[..., Any], options: dict[str, Any]
) -> tuple[Callable[..., Any], dict[str, Any]]:
    """`endpoint`, computing its RequestValue parameters and reading its RequestBody from the request
    FastAPI passes instead; and the route's `options`, which then declare the body for the OpenAPI
    document themselves.

    The body is left to FastAPI when something FastAPI solves could refuse the request: FastAPI reads
    the body before anything else, so that refusal must keep coming after the body's own."""
    if not inspect.iscoroutinefunction(endpoint):
        return endpoint, options
    hints = typing.get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    parameters = {
        name: parameter.replace(annotation=hints.get(name, parameter.annotation))
        for name, parameter in signature.parameters.items()
    }
    path_parameters = compile_path(path)[2]
    computed: dict[str, RequestValue[Any]] = {}
    body: tuple[str, RequestBody[Any]] | None = None
    own_request_parameter = None
    refusable = bool(options.get("dependencies"))
    takes_body = any(isinstance(_dependency_of(parameter.annotation), RequestBody) for parameter in parameters.values())
    for name, parameter in parameters.items():
        dependency = _dependency_of(parameter.annotation)
        if isinstance(dependency, RequestValue) and not (takes_body and isinstance(dependency, QueryValue)):
            computed[name] = dependency
        elif isinstance(dependency, RequestBody) and body is None:
            body = name, dependency
        elif _is_request(parameter.annotation):
            own_request_parameter = name
        elif not (name in path_parameters and parameter.annotation is str):
            refusable = True
    if body is not None and refusable:
        body = None
    if not computed and body is None:
        return endpoint, options
    kept = [
        parameter
        for name, parameter in parameters.items()
        if name not in computed and (body is None or name != body[0])
    ]
    if own_request_parameter is None:
        kept.append(inspect.Parameter(REQUEST_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=Request))
    request_parameter = own_request_parameter or REQUEST_PARAMETER

    @functools.wraps(endpoint)
    async def with_request_values(**values: Any) -> Any:
        request = values[request_parameter] if own_request_parameter else values.pop(REQUEST_PARAMETER)
        if body is not None:
            values[body[0]] = await body[1].read(request)
        for name, value in computed.items():
            values[name] = value.compute(request)
        return await endpoint(**values)

    with_request_values.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    if body is not None:
        options = {**options, "openapi_extra": _with_body_schema(options.get("openapi_extra"))}
    return with_request_values, options


def _dependency_of(hint: Any) -> Any:
    """What an `Annotated` parameter depends on (`Depends(...)`), if anything."""
    for marker in getattr(hint, "__metadata__", ()):
        if isinstance(marker, DependsMarker):
            return marker.dependency
    return None


def _is_request(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, Request)


def _with_body_schema(openapi_extra: dict[str, Any] | None) -> dict[str, Any]:
    """The operation's OpenAPI extras with what FastAPI lists for a body: the body (any JSON value)
    and its 422 response."""
    validation_error = {"schema": {"$ref": REF_PREFIX + "HTTPValidationError"}}
    return {
        "requestBody": {"content": {JSON_CONTENT_TYPE: {"schema": {"title": "Body"}}}},
        "responses": {"422": {"description": "Validation Error", "content": {JSON_CONTENT_TYPE: validation_error}}},
        **(openapi_extra or {}),
    }


def _returns_response(endpoint: Callable[..., Any]) -> bool:
    returned = typing.get_type_hints(endpoint).get("return")
    return isinstance(returned, type) and issubclass(returned, Response)


def _plain_path_parameters(route: APIRoute) -> list[str] | None:
    """The names of the route's path parameters, when its endpoint takes nothing else FastAPI solves
    (request values aside), each a plain `str`, and returns a Response; None otherwise.

    FastAPI's request handler would then only check strings are strings, solve no dependency and
    send the Response as it is: `_direct_handler` calls the endpoint itself, at a fraction of the
    cost. (locum includes its routers without dependencies, so the route's own are all there are.)
    """
    dependant = route.dependant
    solved = (
        dependant.query_params,
        dependant.header_params,
        dependant.cookie_params,
        dependant.body_params,
        dependant.dependencies,
    )
    special = (
        dependant.background_tasks_param_name,
        dependant.response_param_name,
        dependant.http_connection_param_name,
        dependant.websocket_param_name,
        dependant.security_scopes_param_name,
    )
    if any(solved) or any(special) or route.response_model is not None:
        return None
    if not all(
        field.field_info.annotation is str and not field.field_info.metadata and field.alias == field.name
        for field in dependant.path_params
    ):
        return None
    return [field.name for field in dependant.path_params]


class LocumRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        # Read by get_route_handler, which APIRoute's __init__ calls.
        self._returns_response = inspect.iscoroutinefunction(endpoint) and _returns_response(endpoint)
        endpoint, options = _with_request_values(path, endpoint, options)
        super().__init__(path, endpoint, **options)

    def _direct_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]] | None:
        names = _plain_path_parameters(self) if self._returns_response else None
        if names is None:
            return None
        endpoint = self.dependant.call
        assert endpoint is not None
        request_parameter = self.dependant.request_param_name

        async def call_endpoint(request: Request) -> Response:
            path_params = request.path_params
            values: dict[str, Any] = {name: path_params[name] for name in names}
            if request_parameter is not None:
                values[request_parameter] = request
            response: Response = await endpoint(**values)
            return response

        return call_endpoint

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = self._direct_handler() or super().get_route_handler()

        async def attempt(request: ClerkRequest) -> Response:
            try:
                response = await handler(request)
                session = request_session(request)
                if session is not None:
                    await commit(session)
                    if has_outbox_work(session):
                        # Committed events go out at once instead of at the worker's next poll.
                        wake_delivery_worker(request.app)
                return response
            finally:
                session = request_session(request)
                if session is not None:
                    forget_session(request)
                    await session.close()

        async def handle(request: Request) -> Response:
            clerk_request = ClerkRequest(request.scope, request.receive)
            for _ in range(LOCK_CONFLICT_ATTEMPTS - 1):
                try:
                    return await attempt(clerk_request)
                except DBAPIError as exc:
                    # The database rolled the whole transaction back, so running the request again is
                    # safe, if its body can be read again.
                    if not (is_lock_conflict(exc) and clerk_request.is_replayable):
                        raise
            # A conflict in the last attempt is answered 409 conflict (api/errors.py).
            return await attempt(clerk_request)

        return handle


def resource_router(**options: Any) -> APIRouter:
    """An APIRouter whose routes are LocumRoutes (FastAPI keeps each included route's own class)."""
    return APIRouter(route_class=LocumRoute, **options)
