"""Route dispatch by leading path segments: a request tries only the routes its path can match.

FastAPI tries an app's routes in order, and on every request walks each included router's routes
anew (~1 µs a route; locum has ~300). The index flattens the included routes to their full paths
and groups them by their first two path segments (`/v1/users/…` -> ("v1", "users")); a request is
then routed by FastAPI's own router over its group alone, so its answer is the one the whole list
gives: the first route matching path and method in the original order, else the first matching the
path only (405), else a redirect when the path with or without its trailing slash has a route (it
has the same two segments), else 404.

A template segment holding a parameter (`/api_keys/{apiKeyID}`) matches any segment, so its route
joins every group under the literal segments before it; a parameter in the first segment (which a
`:path` one may extend over several) puts its route in every group. Each group keeps the original
order, so a literal route declared before a parameterised one still wins.
"""

from collections.abc import Iterator

from fastapi import FastAPI, HTTPException
from fastapi.routing import APIRoute, APIRouter, RouteContext, iter_route_contexts
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

# In a group key: where a template has a parameter, and where a request's segment is one no
# template names (the routes that match any segment there).
ANY_SEGMENT = None
GroupKey = tuple[str | None, str | None]


def _leading_segments(path: str) -> tuple[str, str]:
    """The first two segments, "" where the path has fewer; trailing slashes do not count, so a path
    and its redirect target share them."""
    first, _, rest = path.strip("/").partition("/")
    return first, rest.partition("/")[0]


def _template_key(template: str | None) -> GroupKey:
    if template is None:  # a route kind without a path template may match anything
        return ANY_SEGMENT, ANY_SEGMENT
    first, second = _leading_segments(template)
    if "{" in first:
        return ANY_SEGMENT, ANY_SEGMENT
    return first, ANY_SEGMENT if "{" in second else second


def _covers(route_key: GroupKey, key: GroupKey) -> bool:
    return all(segment is ANY_SEGMENT or segment == wanted for segment, wanted in zip(route_key, key, strict=True))


class IncludedRoute(BaseRoute):
    """A route of an included router at its full path, as FastAPI resolved it for that inclusion
    (prefix, tags, dependencies, body size limit), and answered as FastAPI answers it (405 included).
    Router-level form limits, which FastAPI applies while it walks an included router, are not:
    locum's routers set none."""

    def __init__(self, context: RouteContext) -> None:
        self.original_route = context.original_route
        self.path_format: str = context.path_format or ""
        self.methods: set[str] = context.methods or set()
        self._matches = context.matches
        self._app = context.app

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = self._matches(scope)
        if match is not Match.NONE:
            # What FastAPI's own dispatch leaves in the scope: the route as its router declared it.
            child_scope["route"] = self.original_route
        return match, child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in self.methods:
            raise HTTPException(status_code=405, headers={"Allow": ", ".join(self.methods)})
        await self._app(scope, receive, send)


def _flattened(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """The app's routes in routing order, each included one at its full path."""
    for route in routes:
        for context in iter_route_contexts([route]):
            if context.original_route is route:
                yield route
            elif isinstance(context.original_route, APIRoute):
                yield IncludedRoute(context)
            else:
                raise TypeError(f"locum includes routers of API routes only, not {context.original_route!r}")


class RouteIndex:
    """The app router's dispatch: Starlette's Router sends every request to its `middleware_stack`.

    Built at the first request, once every route is in (create_app's, and any a test adds to it).
    """

    def __init__(self, router: APIRouter) -> None:
        self._router = router
        self._routes: list[BaseRoute] = []
        self._groups: dict[GroupKey, APIRouter] = {}

    @property
    def routes(self) -> list[BaseRoute]:
        """Every route in routing order, the included ones at their full paths (`path_format`)."""
        if not self._groups:
            self._build()
        return self._routes

    def _build(self) -> None:
        self._routes = list(_flattened(self._router.routes))
        keyed = [(route, _template_key(getattr(route, "path_format", None))) for route in self._routes]
        keys: set[GroupKey] = {(ANY_SEGMENT, ANY_SEGMENT)}
        for _, (first, second) in keyed:
            keys.update({(first, second), (first, ANY_SEGMENT)})
        for key in keys:
            self._groups[key] = APIRouter(
                routes=[route for route, route_key in keyed if _covers(route_key, key)],
                redirect_slashes=self._router.redirect_slashes,
                default=self._router.default,
                form_limits=self._router.form_limits,
            )

    def group(self, scope: Scope) -> APIRouter:
        """A router over the routes the request may match."""
        if not self._groups:
            self._build()
        first, second = _leading_segments(get_route_path(scope))
        for key in ((first, second), (first, ANY_SEGMENT)):
            group = self._groups.get(key)
            if group is not None:
                return group
        return self._groups[ANY_SEGMENT, ANY_SEGMENT]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan
            await self._router.app(scope, receive, send)
            return
        # Where url_for looks names up: among all the app's routes, not the group's.
        scope.setdefault("router", self._router)
        await self.group(scope).app(scope, receive, send)


def install_route_index(app: FastAPI) -> None:
    route_index = RouteIndex(app.router)
    app.router.middleware_stack = route_index
    app.state.route_index = route_index
